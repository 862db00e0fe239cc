/* MonQuartier's service worker, served at /sw.js (monquartier/web/pwa.py) so
   that it covers the whole site.
   - Push: shows the notification (alerts stay on screen) and opens its page on a tap.
   - Offline: the alert list and alert pages are fetched from the network first and the
     last good copy is kept for when the network drops; static files come from the cache.
     Only pages that say X-Offline-Cacheable: 1 are kept, and they are forgotten when
     someone logs out or in, so one person's alerts are never shown to the next.
   - Pages never seen: a navigation that fails gets the offline page, kept at install
     with its files (PRECACHE, filled in by pwa.py with a version drawn from their
     content, so a changed offline page makes a new worker).
   No other page and no POST goes through the cache. */
(function () {
  "use strict";
  // No version to bump by hand: static files have hashed names (a changed file is a new
  // name), kept pages are dropped at every log-in and log-out, and the offline cache is
  // named after its content's hash (PRECACHE.version).
  var STATIC_CACHE = "mq-static";
  var PAGES_CACHE = "mq-pages";
  var PRECACHE = {};
  // The paths this worker needs, filled in by pwa.py from reverse() and static().
  var SITE = {};
  var OFFLINE_CACHE = "mq-offline-" + (PRECACHE.version || "none");
  var OFFLINE_PAGE = (PRECACHE.urls || [])[0];
  var STATIC_LIMIT = 80;
  var PAGES_LIMIT = 30;
  // On a weak 2G signal, show the kept copy after this long (the fresh one still lands
  // in the cache when it arrives).
  var NETWORK_TIMEOUT = 10000;
  var ICON = SITE.icon;
  // The house, white on transparent: Android draws the badge as a silhouette.
  var BADGE = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAEgAAABICAQAAAD/5HvMAAAC5UlEQVR42u2YvY7cVBxHz9/2kAakDN3SUaSBhiCWJpRAg5QyD4A0SssbAE9AQROtxAOEClEh0W7DSqxSk4IuEkU2JEIpdmbuofCdzX5558Pj2Qn4N53v2D6+H8f/a+jz/4xhsU04BYDltuCU4Dt+CFbbgnPLR7708y1AsgJ3faomdXTNA2cF3vFInZicqPfB0ri+wRo5VqeqGenBtaw5wxK8r6aMU2ei7lnNVt7Glrkl+CAP1dmM1X2HG5xN2Tp7uT8uZqwe+PaGkCzBob/kG1+eifqHu+BgMzgHV+LMkI7c7dhMDsDbHs7FeYV0r8NeyhI8apw751OvvlFHZrIC7y2BUyNN1a/BYq0ayNYZnXruRVPLcu/V6lxbreNX6mRJnDrH6g++tSYNWBgn1kmultpM65ClBVi5l59z9RyrB+60RMrW2V9omS+igSetzGQJ7iwgwWWQjryzIpIDcNcnSy3zRcw0drSCLK3Aj5e0zmJIaQVZOgC/9MXacTypn74Dy4XM1EKCXciyVrzfnGi/q4zVh3PNdKb0Snab+bLM1nnYWoLLyPLQ2w0asABv+pt6bMq/rjK7/lh96keX9JIBvudh3vBtNi/8oiYAiNw78j4/scNLKgQCGfBmR7XeP4yJfJ9ESTCKHy0izYAi9CYVx5RIAAWJT/iZxLr3V4mCu+xTkAAJEsGN+KturgBCiL8vzKrnnRXnz+NZU1N1ehadSsmU7vYLlUHJ9PSh8BzQ7EDGM9Qud+Ial15/mz7E9UA90H8TqI1rJDU+ZlwHUFBuTw9J8IxHDa0fMMzvxI0BJUp+j88aaH/lU9Jq/ddmyCqL/M4+O39Sm6u2mtSRJNKFsUxt3oK9h3qgHqgH6oF6oB5ogwWaTBo/Nkzx7Fb4XOuEKTZ+bHA1oDeuaK2AYWPrkGrOlZcGEnjMt42FaKLgz/y/i2d+z7uNfSvB40vP3M7EVQXhnKrYaJhFlnMK/Gm8Lv3T5zXMv+xoaxzTpQIkAAAAAElFTkSuQmCC";
  // The alert list and an alert's page: the list's path, then an id or nothing.
  var ALERT_PAGE = new RegExp("^" + SITE.alerts.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "(\\d+/)?$");
  // ManifestStaticFilesStorage names: name.0123456789ab.ext never change.
  var HASHED = /\.[0-9a-f]{12}\.[A-Za-z0-9]+$/;

  function noop() {}

  function forgetPages() { return caches.delete(PAGES_CACHE); }

  // Logging in, out or signing up: the kept pages were someone else's.
  function changesAccount(path) {
    return SITE.accountPaths.some(function (prefix) { return path.indexOf(prefix) === 0; });
  }

  function trim(cache, limit) {
    return cache.keys().then(function (keys) {
      return Promise.all(keys.slice(0, Math.max(keys.length - limit, 0)).map(function (key) {
        return cache.delete(key);
      }));
    });
  }

  function keep(cacheName, limit, key, response) {
    return caches.open(cacheName).then(function (cache) {
      return cache.put(key, response).then(function () { return trim(cache, limit); });
    });
  }

  function offlineCacheable(response) {
    return response.ok && response.type === "basic" && !response.redirected &&
      response.headers.get("X-Offline-Cacheable") === "1";
  }

  function sameOrigin(url) {
    try {
      var parsed = new URL(url || "/", self.location.origin);
      if (parsed.origin === self.location.origin) { return parsed.href; }
    } catch (error) { /* fall through */ }
    return self.location.origin + "/";
  }

  function keepOfflinePage() {
    if (!OFFLINE_PAGE) { return Promise.resolve(); }
    return caches.open(OFFLINE_CACHE).then(function (cache) {
      return cache.match(OFFLINE_PAGE).then(function (kept) {
        return kept || cache.addAll(PRECACHE.urls);
      });
    });
  }

  function offlinePage() {
    return caches.open(OFFLINE_CACHE).then(function (cache) { return cache.match(OFFLINE_PAGE); })
      .then(function (page) { return page || Response.error(); });
  }

  // Installed even when the offline page cannot be fetched now (2G): the next page
  // that loads tries again (navigation below).
  self.addEventListener("install", function (event) {
    event.waitUntil(keepOfflinePage().catch(noop).then(function () { return self.skipWaiting(); }));
  });

  self.addEventListener("activate", function (event) {
    event.waitUntil(caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("mq-") === 0 && [STATIC_CACHE, PAGES_CACHE, OFFLINE_CACHE].indexOf(name) < 0;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); }));
  });

  self.addEventListener("message", function (event) {
    if (event.data && event.data.type === "logout") { event.waitUntil(forgetPages()); }
  });


  function fetchAlertPage(url, request) {
    return fetch(request || url).then(function (response) {
      if (offlineCacheable(response)) {
        return keep(PAGES_CACHE, PAGES_LIMIT, url, response.clone()).then(function () { return response; });
      }
      if (response.type === "opaqueredirect" || response.redirected || response.status === 401 || response.status === 403) {
        // Sent to the log-in page: whoever was logged in is not any more.
        return forgetPages().then(function () { return response; });
      }
      if (response.status === 404 || response.status === 410) {
        return caches.open(PAGES_CACHE).then(function (cache) { return cache.delete(url); })
          .then(function () { return response; });
      }
      return response;
    });
  }

  function cachedAlertPage(url) {
    return caches.open(PAGES_CACHE).then(function (cache) {
      return cache.match(url).then(function (page) {
        return page || cache.match(self.location.origin + SITE.alerts);
      });
    });
  }

  function alertPage(event) {
    var url = event.request.url;
    var network = fetchAlertPage(url, event.request);
    event.waitUntil(network.catch(noop));
    return cachedAlertPage(url).then(function (cached) {
      if (!cached) { return network.catch(offlinePage); }
      return new Promise(function (resolve) {
        var timer = setTimeout(function () { resolve(cached); }, NETWORK_TIMEOUT);
        network.then(function (response) {
          clearTimeout(timer);
          resolve(response.status >= 500 ? cached : response);
        }, function () {
          clearTimeout(timer);
          resolve(cached);
        });
      });
    });
  }

  function staticFile(event) {
    var request = event.request;
    return caches.open(STATIC_CACHE).then(function (cache) {
      return cache.match(request).then(function (cached) {
        if (cached && HASHED.test(new URL(request.url).pathname)) { return cached; }
        return fetch(request).then(function (response) {
          if (response.ok && response.type === "basic") {
            event.waitUntil(keep(STATIC_CACHE, STATIC_LIMIT, request, response.clone()).catch(noop));
          }
          return response;
        }, function (error) {
          if (cached) { return cached; }
          // The offline page's own files, kept at install.
          return caches.match(request).then(function (kept) {
            if (kept) { return kept; }
            throw error;
          });
        });
      });
    });
  }

  function page(event) {
    event.waitUntil(keepOfflinePage().catch(noop));
    return fetch(event.request).catch(offlinePage);
  }

  self.addEventListener("fetch", function (event) {
    var request = event.request;
    var url = new URL(request.url);
    if (url.origin !== self.location.origin) { return; }
    if (request.mode === "navigate" && changesAccount(url.pathname)) {
      event.waitUntil(forgetPages());
    }
    if (request.method !== "GET" || request.headers.has("range")) { return; }
    if (request.mode === "navigate") {
      event.respondWith(ALERT_PAGE.test(url.pathname) ? alertPage(event) : page(event));
      return;
    }
    if (url.pathname.indexOf(SITE.staticPath) === 0) { event.respondWith(staticFile(event)); }
  });


  self.addEventListener("push", function (event) {
    var data = {};
    if (event.data) {
      try { data = event.data.json() || {}; } catch (error) { data = { body: event.data.text() }; }
    }
    var tag = typeof data.tag === "string" ? data.tag : "";
    var alert = tag.indexOf("alert-") === 0;
    var url = sameOrigin(data.url);
    var options = {
      body: data.body || "",
      icon: data.icon || ICON,
      badge: BADGE,
      data: { url: url },
      requireInteraction: alert
    };
    if (tag) {
      options.tag = tag;
      options.renotify = true;
    }
    if (alert) { options.vibrate = [300, 100, 300, 100, 300]; }
    var shown = self.registration.showNotification(data.title || "MonQuartier", options);
    // Fetch the alert now, while the phone has signal: it opens even if the signal goes.
    var ready = ALERT_PAGE.test(new URL(url).pathname)
      ? fetchAlertPage(url).catch(noop)
      : Promise.resolve();
    event.waitUntil(Promise.all([shown, ready]));
  });

  self.addEventListener("notificationclick", function (event) {
    event.notification.close();
    var target = sameOrigin(event.notification.data && event.notification.data.url);
    event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
      for (var i = 0; i < windows.length; i += 1) {
        if (windows[i].url === target && "focus" in windows[i]) { return windows[i].focus(); }
      }
      return self.clients.openWindow ? self.clients.openWindow(target) : null;
    }));
  });
})();
