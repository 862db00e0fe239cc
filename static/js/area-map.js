/* Read-only maps of community areas and pins: every <div data-area-map data-context="ID">
   on the page, its data in <script type="application/json" id="ID">. A tap on an area
   that has a page opens it. Without tiles the areas and pins are still drawn. */
(function () {
  "use strict";
  if (!window.L) { return; }
  var BRAND = "#b4470b";
  var ABIDJAN = [5.345, -4.02];

  function readContext(id) {
    var node = id && document.getElementById(id);
    try { return (node && JSON.parse(node.textContent)) || {}; } catch (e) { return {}; }
  }

  // The message goes to the nearest following sibling with class "map-status", if any.
  function statusFor(el) {
    for (var node = el.nextElementSibling; node; node = node.nextElementSibling) {
      if (node.classList.contains("map-status")) { return node; }
    }
    return null;
  }

  // A map of many areas reads them from a URL (data-context-url) rather than the page:
  // the page stays light, and the browser keeps the areas in its cache (ETag).
  function setUp(el) {
    var url = el.dataset.contextUrl;
    if (!url) { draw(el, readContext(el.dataset.context)); return; }
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : {}; })
      .then(function (data) { draw(el, data || {}); }, function () { draw(el, {}); });
  }

  function draw(el, data) {
    var map = L.map(el);
    var bounds = L.latLngBounds([]);
    var tiles = L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution });
    var tileErrors = 0;
    tiles.on("tileerror", function () {
      tileErrors += 1;
      if (tileErrors === 1) {
        el.classList.add("map--offline");
        var status = statusFor(el);
        if (status) { status.textContent = el.dataset.msgOffline || ""; }
      }
    });

    var layers = [];
    (data.areas || []).forEach(function (item) {
      if (!item.area || !item.area.coordinates) { return; }
      var polygon = L.polygon(L.GeoJSON.coordsToLatLngs(item.area.coordinates, 1), item.highlight ?
        { color: BRAND, weight: 4, fillColor: BRAND, fillOpacity: 0.25 } :
        { color: "#666", weight: 2, fillColor: "#888", fillOpacity: 0.2 });
      // Text nodes: Leaflet sets a string tooltip as HTML, and names are typed by members.
      if (item.name) { polygon.bindTooltip(document.createTextNode(String(item.name)), { sticky: true }); }
      if (item.url) {
        polygon.on("click", function () { window.location.href = item.url; });
      }
      bounds.extend(polygon.getBounds());
      layers.push(polygon);
    });
    (data.pins || []).forEach(function (pin) {
      if (!isFinite(pin.lat) || !isFinite(pin.lng)) { return; }
      // A small drawn dot: no marker images to fetch over 2G.
      var marker = L.marker([pin.lat, pin.lng], {
        icon: L.divIcon({ className: "area-pin", iconSize: [16, 16] }),
        title: pin.label || "", keyboard: !!pin.label, zIndexOffset: 1000
      });
      if (pin.label) { marker.bindTooltip(document.createTextNode(String(pin.label))); }
      bounds.extend(marker.getLatLng());
      layers.push(marker);
    });

    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 17 });
    } else {
      map.setView(data.centre || ABIDJAN, 13);
    }
    tiles.addTo(map);
    layers.forEach(function (layer) { layer.addTo(map); });
  }

  var maps = document.querySelectorAll("[data-area-map]");
  for (var i = 0; i < maps.length; i++) { setUp(maps[i]); }
})();
