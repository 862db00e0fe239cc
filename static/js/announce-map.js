/* The announcement form's map: a tap on a community's area ticks or unticks its box in
   the list of the form (the list stays the way to choose without a map, or without
   JavaScript). Areas are drawn chosen or not as the boxes change. Without tiles the
   areas are still drawn. Data: <script type="application/json" id="data-context">. */
(function () {
  "use strict";
  if (!window.L) { return; }
  var el = document.querySelector("[data-announce-map]");
  if (!el) { return; }
  var data;
  try { data = JSON.parse(document.getElementById(el.dataset.context).textContent) || {}; }
  catch (e) { return; }
  var BRAND = "#b4470b";
  var form = el.closest("form") || document;
  var everywhere = form.querySelector('input[name="everywhere"]');

  function box(id) {
    return form.querySelector('input[name="communities"][value="' + String(Number(id)) + '"]');
  }
  function chosen(id) {
    var input = box(id);
    return (everywhere && everywhere.checked) || (input && input.checked);
  }

  var map = L.map(el);
  var bounds = L.latLngBounds([]);
  var tiles = L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution });
  tiles.on("tileerror", function () { el.classList.add("map--offline"); });
  var areas = [];
  (data.areas || []).forEach(function (item) {
    if (!item.area || !item.area.coordinates) { return; }
    var polygon = L.polygon(L.GeoJSON.coordsToLatLngs(item.area.coordinates, 1));
    // Text nodes: Leaflet sets a string tooltip as HTML, and names are typed by members.
    polygon.bindTooltip(document.createTextNode(String(item.name)), { sticky: true });
    polygon.on("click", function () {
      var input = box(item.id);
      if (!input || (everywhere && everywhere.checked)) { return; }
      input.checked = !input.checked;
      paint();
    });
    bounds.extend(polygon.getBounds());
    areas.push({ id: item.id, polygon: polygon });
  });

  function paint() {
    areas.forEach(function (area) {
      area.polygon.setStyle(chosen(area.id) ?
        { color: BRAND, weight: 3, fillColor: BRAND, fillOpacity: 0.35 } :
        { color: "#666", weight: 2, fillColor: "#888", fillOpacity: 0.15 });
    });
  }

  if (bounds.isValid()) {
    map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 });
  } else {
    map.setView(data.centre || [5.345, -4.02], 13);
  }
  tiles.addTo(map);
  areas.forEach(function (area) { area.polygon.addTo(map); });
  form.addEventListener("change", paint);
  paint();
})();
