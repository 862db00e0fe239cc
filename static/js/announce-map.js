/* The announcement form's map. Its areas come from data-context-url (the console's
   /mairie/carte.json, kept by the browser with its ETag), so the page stays light.
   A tap on an area chooses or unchooses its community in the form: it ticks its box when
   the commune is small enough for a list, or writes its name in (or takes it out of) the
   list of names otherwise. The form works the same without the map or JavaScript. Areas
   are drawn chosen or not as the form changes; "the whole commune" draws them all. */
(function () {
  "use strict";
  if (!window.L) { return; }
  var el = document.querySelector("[data-announce-map]");
  if (!el || !el.dataset.contextUrl) { return; }
  var BRAND = "#b4470b";
  var CHOSEN = { color: BRAND, weight: 3, fillColor: BRAND, fillOpacity: 0.35 };
  var OTHER = { color: "#666", weight: 2, fillColor: "#888", fillOpacity: 0.15 };
  var form = el.closest("form") || document;
  var names = form.querySelector('textarea[name="names"]');

  function everywhere() {
    var input = form.querySelector('input[name="everywhere"]:checked');
    return !!input && input.value === "True";
  }
  function box(id) {
    return form.querySelector('input[name="communities"][value="' + String(Number(id)) + '"]');
  }

  // The list of names, as the server reads it: one per line or separated by commas.
  function typed() {
    return names.value.split(/[,;\n]/).map(function (part) {
      return part.replace(/\s+/g, " ").trim();
    }).filter(function (part) { return part; });
  }
  function key(text) { return text.toLocaleLowerCase(); }

  var areas = [];
  var shared = {};  // a name's key -> how many areas bear it

  // A name shared by several communities is written with its id: "Riviera 2 #45".
  function label(area) {
    return shared[key(area.name)] > 1 ? area.name + " #" + area.id : area.name;
  }
  function chosen(area, keys) {
    if (everywhere()) { return true; }
    if (!names) { var input = box(area.id); return !!input && input.checked; }
    return !!(keys[key(label(area))] || keys["#" + area.id] || keys[String(area.id)]);
  }
  function paint() {
    var keys = {};
    if (names) { typed().forEach(function (name) { keys[key(name)] = true; }); }
    areas.forEach(function (area) { area.polygon.setStyle(chosen(area, keys) ? CHOSEN : OTHER); });
  }
  function toggle(area) {
    if (everywhere()) { return; }
    if (!names) {
      var input = box(area.id);
      if (input) { input.checked = !input.checked; }
    } else {
      var own = key(label(area));
      var list = typed();
      var kept = list.filter(function (name) { return key(name) !== own; });
      if (kept.length === list.length) { kept.push(label(area)); }
      names.value = kept.join("\n");
    }
    paint();
  }

  function draw(data) {
    var map = L.map(el);
    var bounds = L.latLngBounds([]);
    var tiles = L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution });
    tiles.on("tileerror", function () { el.classList.add("map--offline"); });
    (data.areas || []).forEach(function (item) {
      if (!item.area || !item.area.coordinates || !item.id) { return; }
      var name = String(item.name || "");
      shared[key(name)] = (shared[key(name)] || 0) + 1;
      var polygon = L.polygon(L.GeoJSON.coordsToLatLngs(item.area.coordinates, 1), OTHER);
      // Text nodes: Leaflet sets a string tooltip as HTML, and names are typed by members.
      polygon.bindTooltip(document.createTextNode(name), { sticky: true });
      var area = { id: item.id, name: name, polygon: polygon };
      polygon.on("click", function () { toggle(area); });
      bounds.extend(polygon.getBounds());
      areas.push(area);
    });
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 });
    } else {
      map.setView(data.centre || [5.345, -4.02], 13);
    }
    tiles.addTo(map);
    areas.forEach(function (area) { area.polygon.addTo(map); });
    paint();
  }

  var timer = null;
  form.addEventListener("change", paint);
  if (names) {
    // Typing repaints once the agent pauses, not at every key over two thousand areas.
    names.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(paint, 400);
    });
  }
  fetch(el.dataset.contextUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) { return response.ok ? response.json() : {}; })
    .then(function (data) { draw(data || {}); }, function () { draw({}); });
})();
