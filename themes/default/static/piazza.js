// piazza share bar: progressive enhancement only. The plain share links work without it.
(function () {
  "use strict";
  var copy = document.querySelector("[data-copy]");
  if (copy && navigator.clipboard && window.isSecureContext) {
    copy.parentElement.hidden = false;
    copy.addEventListener("click", function () {
      var label = copy.textContent;
      navigator.clipboard.writeText(copy.getAttribute("data-copy")).then(function () {
        copy.textContent = copy.getAttribute("data-done");
        setTimeout(function () { copy.textContent = label; }, 2000);
      });
    });
  }
  var native = document.querySelector("[data-share-url]");
  if (native && navigator.share) {
    native.parentElement.hidden = false;
    native.addEventListener("click", function () {
      navigator.share({
        title: native.getAttribute("data-share-title"),
        url: native.getAttribute("data-share-url")
      }).catch(function () {});
    });
  }
})();
