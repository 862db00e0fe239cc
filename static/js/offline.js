/* The offline page (templates/offline.html): lists the pages the service worker kept
   (static/js/sw.js, the mq-pages cache), newest first, each named by its heading. */
(function () {
  "use strict";
  var list = document.getElementById("saved-pages");
  var none = document.getElementById("no-saved-pages");
  if (!list || !("caches" in window)) { return; }

  function heading(html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var title = page.querySelector("h1");
    var text = ((title && title.textContent) || page.title || "").replace(/\s+/g, " ").trim();
    return text.length > 80 ? text.slice(0, 79) + "…" : text;
  }

  function keptPages(name) {
    return caches.open(name).then(function (cache) {
      return cache.keys().then(function (requests) {
        return Promise.all(requests.map(function (request) {
          return cache.match(request).then(function (response) {
            return response ? response.text() : "";
          }).then(function (html) { return { url: request.url, name: heading(html) }; });
        }));
      });
    });
  }

  caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name === "mq-pages";  // PAGES_CACHE of sw.js
    }).map(keptPages));
  }).then(function (lists) {
    var pages = [].concat.apply([], lists).reverse();
    pages.forEach(function (page) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = page.url;
      link.textContent = page.name || new URL(page.url).pathname;
      item.appendChild(link);
      list.appendChild(item);
    });
    if (pages.length && none) { none.hidden = true; }
  }).catch(function () { /* the list stays empty: the message says so */ });
})();
