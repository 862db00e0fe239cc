/* The home pin on a Leaflet map, kept in sync with the latitude/longitude fields.
   Without tiles (no network, blocked server) the map still takes a pin, the browser's
   position still works, and the fields can be typed by hand. */
(function () {
  "use strict";
  var el = document.getElementById("pin-map");
  if (!el || !window.L) { return; }
  var form = el.closest("form");
  var lat = form.querySelector("[name=latitude]");
  var lng = form.querySelector("[name=longitude]");
  var commune = form.querySelector("[name=commune]");
  var status = document.getElementById("map-status");
  var locate = document.getElementById("locate-me");
  var centresNode = document.getElementById("commune-centres");
  var centres = centresNode ? JSON.parse(centresNode.textContent) : {};
  var ABIDJAN = [5.345, -4.02];
  var marker = null;
  var given = (el.dataset.centre || "").split(",").map(parseFloat);
  var fallback = given.length === 2 && isFinite(given[0]) && isFinite(given[1]) ? given : ABIDJAN;

  // The status line is as tall as the longest thing it can say, whatever it says now:
  // a message written when a field loses the focus (at the finger's pointerdown on the
  // save button) must not move the button before the pointerup, or the tap misses.
  function reserveRoom(line, messages) {
    var room = document.createElement("div");
    room.className = "status-room";
    line.parentNode.insertBefore(room, line);
    room.appendChild(line);
    messages.forEach(function (text) {
      if (!text) { return; }
      var ghost = document.createElement("p");
      ghost.className = line.className + " status-room-ghost";
      ghost.setAttribute("aria-hidden", "true");
      ghost.textContent = text;
      room.appendChild(ghost);
    });
  }
  if (status) {
    reserveRoom(status, [el.dataset.msgOffline, el.dataset.msgPlaced, el.dataset.msgLocating, el.dataset.msgGeoError]);
  }
  function say(text) { if (status) { status.textContent = text || ""; } }
  function read(input) {
    var value = parseFloat(String(input.value).replace(",", "."));
    return isFinite(value) ? value : null;
  }
  function pinned() { return read(lat) !== null && read(lng) !== null; }

  var start = pinned() ? [read(lat), read(lng)] : (centres[commune && commune.value] || fallback);
  var map = L.map(el, { tap: true }).setView(start, pinned() ? 17 : 14);
  var tiles = L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution });
  var tileErrors = 0;
  tiles.on("tileerror", function () {
    tileErrors += 1;
    if (tileErrors === 1) {
      el.classList.add("map--offline");
      say(el.dataset.msgOffline);
    }
  });
  tiles.addTo(map);

  // An optional area to stay inside (the community, when a référent registers a neighbour).
  var areaNode = el.dataset.areaContext && document.getElementById(el.dataset.areaContext);
  if (areaNode) {
    JSON.parse(areaNode.textContent).areas.forEach(function (item) {
      var outline = L.geoJSON(item.area, { interactive: false, style: { color: "#b4470b", weight: 3, fillOpacity: 0.08 } }).addTo(map);
      if (!pinned()) { map.fitBounds(outline.getBounds(), { padding: [16, 16] }); }
    });
  }

  function write(latlng) {
    lat.value = latlng.lat.toFixed(6);
    lng.value = latlng.lng.toFixed(6);
    say(el.dataset.msgPlaced);
  }
  function place(latlng, zoom) {
    if (!marker) {
      marker = L.marker(latlng, { draggable: true, autoPan: true, title: el.dataset.msgMarker, alt: el.dataset.msgMarker });
      marker.on("dragend", function () { write(marker.getLatLng()); });
      marker.addTo(map);
    } else {
      marker.setLatLng(latlng);
    }
    write(L.latLng(latlng));
    if (zoom) { map.setView(latlng, Math.max(map.getZoom(), 17)); }
  }

  if (pinned()) { place(start, false); }
  map.on("click", function (event) { place(event.latlng, false); });

  if (commune) {
    commune.addEventListener("change", function () {
      var centre = centres[commune.value];
      if (centre && !marker) { map.setView(centre, 14); }
    });
  }
  [lat, lng].forEach(function (input) {
    input.addEventListener("change", function () {
      if (pinned()) { place([read(lat), read(lng)], true); }
    });
  });

  if (locate && navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      say(el.dataset.msgLocating);
      navigator.geolocation.getCurrentPosition(
        function (position) { place([position.coords.latitude, position.coords.longitude], true); },
        function () { say(el.dataset.msgGeoError); },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }
})();
