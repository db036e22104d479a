// The search page of piazza's default theme: queries the site's Pagefind index
// (/pagefind/, built with the site) and lists guides, theses and pages with their kind,
// thesis number, excerpt and image. A query that names a thesis number ("3", "tesi 3",
// "thesis 3") puts that thesis first. Everything is fetched from the site itself.
(function () {
  "use strict";
  var list = document.getElementById("search-results");
  var input = document.getElementById("search-q");
  var kind = document.getElementById("search-kind");
  var tag = document.getElementById("search-tag");
  var status = document.getElementById("search-status");
  if (!list || !input || !kind || !tag || !status) return;
  var text = list.dataset;
  var SHOWN = 10;
  var pagefind = null;
  var asked = 0;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, name) {
      return name in values ? String(values[name]) : all;
    });
  }

  // "3", "tesi 3", "Thesis 3", "T3", or the site's own word for a thesis.
  function thesisNumber(query) {
    var words = ["tesi", "thesis", "t", (text.thesis || "").toLowerCase()]
      .filter(Boolean)
      .map(function (w) { return w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); });
    var match = new RegExp("^(?:(?:" + words.join("|") + ")\\.?\\s*)?n?\\.?\\s*(\\d{1,4})$", "i")
      .exec(query.trim());
    return match ? String(parseInt(match[1], 10)) : null;
  }

  function chosen() {
    var filters = {};
    if (kind.value) filters.kind = kind.value;
    if (tag.value) filters.tag = tag.value;
    return filters;
  }

  // The excerpt as text with Pagefind's <mark>s, never as markup of its own.
  function excerpt(html) {
    var p = document.createElement("p");
    p.className = "search-excerpt";
    var doc = new DOMParser().parseFromString(html, "text/html");
    doc.body.childNodes.forEach(function (node) {
      if (node.nodeName === "MARK") {
        var mark = document.createElement("mark");
        mark.textContent = node.textContent;
        p.appendChild(mark);
      } else {
        p.appendChild(document.createTextNode(node.textContent));
      }
    });
    return p;
  }

  function kindLabel(meta) {
    if (meta.kind === "thesis") return (text.thesis || text.kindThesis) + (meta.number ? " " + meta.number : "");
    if (meta.kind === "guide") return text.kindGuide;
    return text.kindPage;
  }

  function item(data) {
    var meta = data.meta || {};
    var li = document.createElement("li");
    li.className = "search-result";
    if (meta.image) {
      var img = document.createElement("img");
      img.src = meta.image;
      img.alt = "";
      img.loading = "lazy";
      li.appendChild(img);
    }
    var body = document.createElement("div");
    var label = document.createElement("p");
    label.className = "search-kind";
    label.textContent = kindLabel(meta);
    var h2 = document.createElement("h2");
    var a = document.createElement("a");
    a.href = data.url;
    a.textContent = meta.title || data.url;
    h2.appendChild(a);
    body.appendChild(label);
    body.appendChild(h2);
    body.appendChild(excerpt(data.excerpt || ""));
    li.appendChild(body);
    return li;
  }

  function remember(query) {
    var params = new URLSearchParams();
    if (query) params.set("q", query);
    if (kind.value) params.set("kind", kind.value);
    if (tag.value) params.set("tag", tag.value);
    var qs = params.toString();
    history.replaceState(null, "", location.pathname + (qs ? "?" + qs : ""));
  }

  async function run() {
    var mine = ++asked;
    var query = input.value.trim();
    var filters = chosen();
    remember(query);
    if (!query && !filters.kind && !filters.tag) {
      list.replaceChildren();
      status.textContent = "";
      return;
    }
    var number = thesisNumber(query);
    var searches = [pagefind.search(query || null, { filters: filters })];
    if (number) {
      var own = Object.assign({}, filters, { number: number });
      searches.unshift(pagefind.search(null, { filters: own }));
    }
    var found = await Promise.all(searches);
    var seen = {};
    var results = [];
    found.forEach(function (s) {
      (s ? s.results : []).forEach(function (r) {
        if (!seen[r.id]) {
          seen[r.id] = true;
          results.push(r);
        }
      });
    });
    var data = await Promise.all(results.slice(0, SHOWN).map(function (r) { return r.data(); }));
    if (mine !== asked) return;
    list.replaceChildren.apply(list, data.map(item));
    var shown = query || [kind.selectedOptions[0].text, tag.value].filter(Boolean).join(", ");
    status.textContent = results.length
      ? fill(text.searchResults, { query: shown, count: results.length })
      : fill(text.searchNoResults, { query: shown });
  }

  function options(select, values, label) {
    Object.keys(values || {}).sort(function (a, b) { return a.localeCompare(b); })
      .forEach(function (value) {
        var option = document.createElement("option");
        option.value = value;
        option.textContent = label(value) + " (" + values[value] + ")";
        select.appendChild(option);
      });
  }

  var timer = null;
  function soon() {
    clearTimeout(timer);
    timer = setTimeout(function () { run().catch(failed); }, 150);
  }

  function failed() {
    status.textContent = text.searchUnavailable;
  }

  async function start() {
    status.textContent = text.searchLoading;
    pagefind = await import(text.bundle + "pagefind.js");
    await pagefind.options({ baseUrl: text.base, excerptLength: 24, noWorker: true });
    var filters = await pagefind.filters();
    var kinds = { guide: text.kindGuide, thesis: text.kindThesis, page: text.kindPage };
    options(kind, filters.kind, function (v) { return kinds[v] || v; });
    options(tag, filters.tag, function (v) { return v; });
    var params = new URLSearchParams(location.search);
    input.value = params.get("q") || "";
    kind.value = params.get("kind") || "";
    tag.value = params.get("tag") || "";
    status.textContent = "";
    input.addEventListener("input", soon);
    kind.addEventListener("change", soon);
    tag.addEventListener("change", soon);
    input.form.addEventListener("submit", function (e) {
      e.preventDefault();
      run().catch(failed);
    });
    await run();
  }

  start().catch(failed);
})();
