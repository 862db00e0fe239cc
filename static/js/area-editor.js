/* Drawing a community area (a polygon) on a phone, kept in the hidden "area" field as
   GeoJSON. Tap the map to add a point, drag the white handles, tap a small handle between
   two points to add one there. Works without tiles: the map still takes taps and drags. */
(function () {
  "use strict";
  var el = document.getElementById("area-editor");
  if (!el || !window.L) { return; }
  var input = el.closest("form").querySelector("[name=area]");
  var sizeOut = document.getElementById("area-size");
  var warning = document.getElementById("area-warning");
  var removeButton = document.getElementById("area-remove-point");
  var restartButton = document.getElementById("area-restart");
  var contextNode = document.getElementById("area-context");
  var pageLanguage = document.documentElement.lang || "fr";
  var context = {};
  try { context = JSON.parse(contextNode.textContent) || {}; } catch (e) { context = {}; }
  var msg = el.dataset;
  var maxArea = Number(context.max_area || msg.maxArea) || Infinity;
  var BRAND = "#b4470b";
  var ABIDJAN = [5.345, -4.02];

  var points = [];      // L.LatLng, the ring without its closing point
  var vertices = [];    // draggable markers, one per point
  var midpoints = [];   // midpoints[i] sits between points[i] and points[i + 1]
  var selected = -1;
  var lastDrag = 0;     // a tap ending a drag must not also add a point
  var notes = { status: "", offline: "" };

  /* Area on the WGS84 ellipsoid. q() is to the ellipsoid what 2·sin(latitude) is to a
     sphere (authalic latitude), so this is the usual spherical ring formula made exact
     for the ellipsoid: it matches a geodesic area to < 0.01 % at neighbourhood scale,
     where a sphere of radius 6378137 m overestimates by about 0.7 % near the equator. */
  var A = 6378137, E2 = 0.0066943799901413165, E = Math.sqrt(E2);
  function q(lat) {
    var s = Math.sin(lat * Math.PI / 180), es = E * s;
    return (1 - E2) * (s / (1 - es * es) - Math.log((1 - es) / (1 + es)) / (2 * E));
  }
  function ringArea(ring) {
    var n = ring.length, sum = 0, i;
    if (n < 3) { return 0; }
    for (i = 0; i < n; i++) {
      sum += (ring[(i + 1) % n].lng - ring[(i + n - 1) % n].lng) * q(ring[i].lat);
    }
    return Math.abs(sum * Math.PI / 180 * A * A / 4);
  }

  function readPolygon(text) {
    var data, ring;
    try { data = JSON.parse(text); } catch (e) { return []; }
    if (data && data.type === "Feature") { data = data.geometry; }
    if (!data || data.type !== "Polygon" || !data.coordinates || !data.coordinates[0]) { return []; }
    ring = data.coordinates[0].filter(function (c) { return isFinite(c[0]) && isFinite(c[1]); })
      .map(function (c) { return L.latLng(c[1], c[0]); });
    if (ring.length > 1 && ring[0].equals(ring[ring.length - 1])) { ring.pop(); }
    return ring;
  }
  function square(centre, halfSide) {
    var dLat = halfSide / 111320;
    var dLng = dLat / Math.cos(centre[0] * Math.PI / 180);
    return [[-1, -1], [1, -1], [1, 1], [-1, 1]].map(function (c) {  // anticlockwise
      return L.latLng(centre[0] + c[1] * dLat, centre[1] + c[0] * dLng);
    });
  }

  // Map, tiles, and what helps the person place the area: home, neighbouring areas.
  var map = L.map(el, { doubleClickZoom: false });  // quick taps add points, not zoom
  var tiles = L.tileLayer(msg.tiles, { maxZoom: 19, attribution: msg.attribution });
  var tileErrors = 0;
  tiles.on("tileerror", function () {
    tileErrors += 1;
    if (tileErrors === 1) {
      el.classList.add("map--offline");
      notes.offline = msg.msgOffline || "";
      say();
    }
  });

  var home = context.home;
  points = readPolygon(input.value);
  if (points.length < 3 && home) { points = square(home, 250); }
  /* Room to leave at each edge so that no control covers a fitted point: a control in a
     corner (+/- at the top left, attribution at the bottom right) pushes the area past
     it sideways or vertically, whichever costs less room. */
  function clearOfControls(gap) {
    var frame = map.getContainer().getBoundingClientRect();
    var room = { left: gap, top: gap, right: gap, bottom: gap };
    Array.prototype.forEach.call(map.getContainer().querySelectorAll(".leaflet-control"), function (control) {
      var box = control.getBoundingClientRect();
      if (!box.width || !box.height) { return; }
      var onLeft = box.left + box.right < frame.left + frame.right;
      var onTop = box.top + box.bottom < frame.top + frame.bottom;
      var across = (onLeft ? box.right - frame.left : frame.right - box.left) + gap;
      var down = (onTop ? box.bottom - frame.top : frame.bottom - box.top) + gap;
      var side = across <= down ? (onLeft ? "left" : "right") : (onTop ? "top" : "bottom");
      room[side] = Math.max(room[side], Math.min(across, down));
    });
    return room;
  }
  function fitArea() {
    var room = clearOfControls(24);
    map.fitBounds(L.latLngBounds(points), {
      paddingTopLeft: [room.left, room.top], paddingBottomRight: [room.right, room.bottom], maxZoom: 18
    });
  }
  if (points.length) {
    fitArea();
  } else {
    map.setView(home || context.centre || ABIDJAN, 16);
  }
  tiles.addTo(map);
  // The tiles' attribution shows once the map has a view; fit again in case it wraps.
  if (points.length) { fitArea(); }

  (context.neighbours || []).forEach(function (neighbour) {
    if (!neighbour.area || !neighbour.area.coordinates) { return; }
    L.polygon(L.GeoJSON.coordsToLatLngs(neighbour.area.coordinates, 1), {
      color: "#666", weight: 1, fillColor: "#888", fillOpacity: 0.25, interactive: false
    }).bindTooltip(document.createTextNode(String(neighbour.name || "")), {  // text, never HTML
      permanent: true, direction: "center", className: "area-neighbour-label"  // no hover on phones
    }).addTo(map);
  });
  if (home) {
    // Not interactive: a tap on the home adds a point like anywhere else.
    var homeMarker = L.marker(home, {
      icon: L.divIcon({ className: "area-home", iconSize: [16, 16] }),
      title: msg.msgHome, alt: msg.msgHome, interactive: false, keyboard: false
    }).addTo(map);
    homeMarker.getElement().setAttribute("role", "img");  // a div: no alt, so a labelled image
    homeMarker.getElement().setAttribute("aria-label", msg.msgHome || "");
  }

  var shape = L.polygon([], { color: BRAND, weight: 3, fillColor: BRAND, fillOpacity: 0.2, interactive: false }).addTo(map);
  var handles = L.layerGroup().addTo(map);

  function say() {
    var text = [notes.status, notes.offline].filter(Boolean).join(" ");
    if (warning && warning.textContent !== text) { warning.textContent = text; }  // quiet live region
  }
  function round(value) { return Number(value.toFixed(7)); }

  // After every change: the field, the size, the message.
  function changed() {
    var n = points.length, area = ringArea(points), tooLarge = area > maxArea, ring;
    shape.setLatLngs(points);
    if (n < 3) {
      input.value = "";
    } else {
      ring = points.map(function (p) { return [round(p.lng), round(p.lat)]; });
      ring.push(ring[0].slice());
      input.value = JSON.stringify({ type: "Polygon", coordinates: [ring] });
    }
    if (sizeOut) {
      // Numbers written the page's way: « 0,45 km² » in French, "0.45 km²" in English.
      sizeOut.textContent = n < 3 ? "" : (area / 1e6).toLocaleString(pageLanguage, {
        minimumFractionDigits: 2, maximumFractionDigits: 2
      }) + " km\u00b2 (" + Math.round(area).toLocaleString(pageLanguage) + " m\u00b2)";
      sizeOut.classList.toggle("is-too-large", tooLarge);
    }
    notes.status = n < 3 ? msg.msgNeedPoints : (tooLarge ? msg.msgTooLarge : msg.msgOk);
    say();
    if (removeButton) { removeButton.disabled = !(selected >= 0 && n > 3); }
  }

  function select(index) {
    selected = index;
    vertices.forEach(function (marker, i) {
      var icon = marker.getElement();
      icon.classList.toggle("is-selected", i === index);
      icon.setAttribute("aria-pressed", i === index ? "true" : "false");
    });
    if (removeButton) { removeButton.disabled = !(selected >= 0 && points.length > 3); }
  }

  function midpointOf(i) {
    var a = points[i], b = points[(i + 1) % points.length];
    return L.latLng((a.lat + b.lat) / 2, (a.lng + b.lng) / 2);
  }
  // Keep the handles on either side of a moved point in place.
  function moved(i) {
    var n = points.length;
    if (midpoints[i]) { midpoints[i].setLatLng(midpointOf(i)); }
    if (midpoints[(i + n - 1) % n]) { midpoints[(i + n - 1) % n].setLatLng(midpointOf((i + n - 1) % n)); }
    changed();
  }

  var NUDGE = { 37: [-1, 0], 38: [0, -1], 39: [1, 0], 40: [0, 1] };  // arrow keys
  function addVertex(i) {
    var marker = L.marker(points[i], {
      icon: L.divIcon({ className: "area-vertex", iconSize: [22, 22] }),
      draggable: true, autoPan: true, keyboard: true, zIndexOffset: 1000, title: msg.msgVertex
    });
    marker.on("drag", function () { points[i] = marker.getLatLng(); moved(i); });
    marker.on("dragend", function () { lastDrag = Date.now(); });
    marker.on("click", function () { select(selected === i ? -1 : i); });
    marker.addTo(handles);
    // Keyboard: Enter or Space selects, arrows move the point (Shift: further).
    L.DomEvent.on(marker.getElement(), "keydown", function (event) {
      var step = NUDGE[event.keyCode];
      if (event.keyCode === 13 || event.keyCode === 32) {
        select(selected === i ? -1 : i);
      } else if (step) {
        var at = map.latLngToLayerPoint(points[i]).add(L.point(step).multiplyBy(event.shiftKey ? 20 : 4));
        points[i] = map.layerPointToLatLng(at);
        marker.setLatLng(points[i]);
        moved(i);
      } else {
        return;
      }
      L.DomEvent.stop(event);
    });
    vertices.push(marker);
  }

  // A midpoint becomes a real point when tapped, or as soon as it is dragged.
  function addMidpoint(i) {
    var marker = L.marker(midpointOf(i), {
      icon: L.divIcon({ className: "area-midpoint", iconSize: [16, 16] }),
      draggable: true, keyboard: false
    });
    marker.on("dragstart", function () { points.splice(i + 1, 0, marker.getLatLng()); changed(); });
    marker.on("drag", function () { points[i + 1] = marker.getLatLng(); changed(); });
    marker.on("dragend", function () {
      lastDrag = Date.now();
      selected = -1;  // indices after the new point have shifted
      setTimeout(rebuild, 0);  // not while Leaflet is still finishing this marker's drag
    });
    marker.on("click", function () {
      points.splice(i + 1, 0, marker.getLatLng());
      selected = -1;
      rebuild();
    });
    midpoints.push(marker.addTo(handles));
  }

  function rebuild() {
    var n = points.length, i;
    handles.clearLayers();
    vertices = []; midpoints = [];
    for (i = 0; i < n; i++) { addVertex(i); }
    for (i = 0; i < (n >= 3 ? n : n - 1); i++) { addMidpoint(i); }  // open line below 3 points
    select(selected < n ? selected : -1);
    changed();
  }

  // The edge nearest to a point, compared on screen where distances are what the eye sees.
  function nearestEdge(latlng) {
    var p = map.latLngToLayerPoint(latlng), n = points.length, best = 0, bestDistance = Infinity, i, d;
    for (i = 0; i < n; i++) {
      d = L.LineUtil.pointToSegmentDistance(p, map.latLngToLayerPoint(points[i]),
        map.latLngToLayerPoint(points[(i + 1) % n]));
      if (d < bestDistance) { bestDistance = d; best = i; }
    }
    return best;
  }

  map.on("click", function (event) {
    if (Date.now() - lastDrag < 400) { return; }
    var at = points.length < 3 ? points.length : nearestEdge(event.latlng) + 1;
    points.splice(at, 0, event.latlng);
    selected = -1;
    rebuild();
  });

  if (removeButton) {
    removeButton.addEventListener("click", function () {
      if (selected < 0 || points.length <= 3) { return; }
      points.splice(selected, 1);
      selected = -1;
      rebuild();
    });
  }
  if (restartButton) {
    restartButton.addEventListener("click", function () {
      points = []; selected = -1;
      rebuild();
    });
  }

  rebuild();
})();
