// piazza share bar and video embeds: progressive enhancement only. The plain share
// links and the link to each video work without it.
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
  // A video asks nothing of YouTube until the reader clicks: only then is the
  // privacy-enhanced player (youtube-nocookie.com) put in the button's place.
  Array.prototype.forEach.call(document.querySelectorAll("[data-youtube]"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var frame = document.createElement("iframe");
      frame.src = "https://www.youtube-nocookie.com/embed/" +
        encodeURIComponent(button.getAttribute("data-youtube")) + "?autoplay=1";
      frame.title = button.getAttribute("data-title");
      frame.allow = "autoplay; encrypted-media; picture-in-picture; fullscreen";
      frame.allowFullscreen = true;
      frame.referrerPolicy = "strict-origin-when-cross-origin";
      button.parentNode.replaceChild(frame, button);
      frame.focus();
    });
  });
})();
