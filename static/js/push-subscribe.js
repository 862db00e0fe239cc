/* Web push on this phone. Loaded on every page for logged-in members: registers the
   service worker (/sw.js), keeps the server's copy of this phone's push subscription up
   to date, tells the worker to forget kept pages on log-out, and on the notification
   settings page wires the buttons of templates/notifications/push_settings_snippet.html
   (#push-enable, #push-disable, #push-status; messages in data-msg-* of #push-settings). */
(function () {
  "use strict";
  // The paths come from base.html (data-*-url of this script's tag, from {% url %}).
  var paths = document.currentScript.dataset;
  var SW_URL = paths.workerUrl;
  var SYNC_KEY = "mq-push-synced";
  var SYNC_EVERY = 24 * 3600 * 1000;
  var box = document.getElementById("push-settings");
  var enable = document.getElementById("push-enable");
  var disable = document.getElementById("push-disable");
  var status = document.getElementById("push-status");
  var urls = { key: paths.keyUrl, subscribe: paths.subscribeUrl, unsubscribe: paths.unsubscribeUrl };
  var canPush = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;

  function say(key) { if (status && box) { status.textContent = box.dataset[key] || ""; } }
  function show(el, on) {
    if (!el) { return; }
    el.hidden = !on;
    el.style.display = on ? "" : "none";  // .button sets display, which beats [hidden]
  }
  function busy(on) {
    [enable, disable].forEach(function (el) { if (el) { el.disabled = on; } });
    if (box) { box.setAttribute("aria-busy", on ? "true" : "false"); }
  }
  function render(subscribed) {
    show(enable, !subscribed);
    show(disable, subscribed);
    say(subscribed ? "msgEnabled" : "msgOff");
  }

  if (!("serviceWorker" in navigator)) {
    show(enable, false);
    show(disable, false);
    say("msgUnsupported");
    return;
  }

  // The service worker, after the page itself has loaded (2G: the page comes first).
  // updateViaCache "all": the browser's check for a new worker after each page may be
  // answered by its cache, as /sw.js allows for a day (monquartier/web/pwa.py).

  var registered = new Promise(function (resolve, reject) {
    function go() {
      navigator.serviceWorker.register(SW_URL, { scope: "/", updateViaCache: "all" }).then(resolve, reject);
    }
    if (document.readyState === "complete") { go(); } else { window.addEventListener("load", go); }
  });
  var ready = registered.then(function () { return navigator.serviceWorker.ready; });
  ready.catch(function () { /* no worker: nothing offline, no push; the site still works */ });

  // Log-out: kept alert pages must not be shown to the next person on this phone

  function forgetSync() {
    try { localStorage.removeItem(SYNC_KEY); } catch (error) { /* private mode */ }
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || String(form.method).toLowerCase() !== "post") { return; }
    if (new URL(form.action, location.href).pathname !== paths.logoutUrl) { return; }
    forgetSync();
    var worker = navigator.serviceWorker.controller;
    if (worker) { worker.postMessage({ type: "logout" }); }
  }, true);

  if (!canPush) {
    show(enable, false);
    show(disable, false);
    say("msgUnsupported");
    return;
  }

  // Talking to the server

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }
  function post(url, data) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(data)
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response;
    });
  }
  function serverKey() {
    return fetch(urls.key, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) { return decodeKey(data.publicKey); });
  }
  function decodeKey(text) {
    var base64 = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }
  function sameKey(subscription, key) {
    var current = subscription.options && subscription.options.applicationServerKey;
    if (!current) { return true; }
    var bytes = new Uint8Array(current);
    if (bytes.length !== key.length) { return false; }
    for (var i = 0; i < key.length; i += 1) { if (bytes[i] !== key[i]) { return false; } }
    return true;
  }
  function remember(subscription) {
    try {
      localStorage.setItem(SYNC_KEY, JSON.stringify({ endpoint: subscription.endpoint, at: Date.now() }));
    } catch (error) { /* private mode: we sync again next time */ }
  }
  // The browser may renew a subscription, or another member may have logged in on this
  // phone: send the current one again when it changed, and once a day anyway.
  function sync(subscription) {
    var last = null;
    try { last = JSON.parse(localStorage.getItem(SYNC_KEY) || "null"); } catch (error) { last = null; }
    if (last && last.endpoint === subscription.endpoint && Date.now() - last.at < SYNC_EVERY) {
      return Promise.resolve();
    }
    return post(urls.subscribe, subscription.toJSON()).then(function () { remember(subscription); });
  }

  function askPermission() {
    return new Promise(function (resolve) {
      var result = Notification.requestPermission(resolve);  // older browsers: callback
      if (result && result.then) { result.then(resolve); }
    });
  }

  function turnOn() {
    busy(true);
    say("msgWorking");
    askPermission().then(function (permission) {
      if (permission !== "granted") {
        say(permission === "denied" ? "msgDenied" : "msgDismissed");
        return;
      }
      return Promise.all([ready, serverKey()]).then(function (both) {
        var registration = both[0];
        var key = both[1];
        return registration.pushManager.getSubscription().then(function (existing) {
          if (existing && sameKey(existing, key)) { return existing; }
          var cleared = existing ? existing.unsubscribe() : Promise.resolve();
          return cleared.then(function () {
            return registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
          });
        });
      }).then(function (subscription) {
        return post(urls.subscribe, subscription.toJSON()).then(function () {
          remember(subscription);
          render(true);
        });
      });
    }).catch(function () { say("msgError"); }).then(function () { busy(false); });
  }

  function turnOff() {
    busy(true);
    say("msgWorking");
    ready.then(function (registration) {
      return registration.pushManager.getSubscription();
    }).then(function (subscription) {
      if (!subscription) { return; }
      return post(urls.unsubscribe, { endpoint: subscription.endpoint }).then(function () {
        return subscription.unsubscribe();
      });
    }).then(function () {
      forgetSync();
      render(false);
      say("msgDisabled");
    }, function () {
      say("msgError");
    }).then(function () { busy(false); });
  }

  if (enable) { enable.addEventListener("click", turnOn); }
  if (disable) { disable.addEventListener("click", turnOff); }

  ready.then(function (registration) {
    return registration.pushManager.getSubscription();
  }).then(function (subscription) {
    if (box) {
      if (subscription) {
        render(true);
      } else if (Notification.permission === "denied") {
        show(enable, false);
        show(disable, false);
        say("msgDenied");
      } else {
        render(false);
      }
    }
    if (subscription && Notification.permission === "granted") {
      sync(subscription).catch(function () { /* offline: next page */ });
    }
  }, function () {
    if (box) { say("msgUnsupported"); show(enable, false); show(disable, false); }
  });
})();
