/* A small Leaflet map (the vendored copy) for the edit form, the residents' suggestion form
 * and the review queue: the district's outline, the tiles the settings allow (none in
 * tests), nothing else. Config: #point-map-config (JSON).
 *   window.WebMapPointMap.create(div) → the L.Map
 *   window.WebMapPointMap.placer(map, div, lon, lat, onMove) → {draw, clear, marker}: a tap
 *     places the point, the marker drags, the longitude/latitude inputs follow (and typing
 *     in them moves the marker); onMove(latlng) runs after each move (e.g. a circle). */
(function () {
  "use strict";

  function config() {
    const node = document.getElementById("point-map-config");
    return node ? JSON.parse(node.textContent) : null;
  }
  function create(div) {
    const cfg = config();
    if (!cfg || !window.L) return null;
    div.hidden = false;
    const map = L.map(div, {scrollWheelZoom: false});
    cfg.tiles.forEach((t) => L.tileLayer(t.url, {attribution: t.attribution, subdomains: t.subdomains,
                                                  maxZoom: t.maxZoom}).addTo(map));
    L.geoJSON(cfg.boundary, {interactive: false, style: {color: "#555", weight: 2, fill: false}}).addTo(map);
    map.fitBounds(cfg.bounds);
    return map;
  }
  const pointIcon = (cls) => L.divIcon({className: "point-marker " + (cls || ""), iconSize: [18, 18]});

  const number = (input) => {
    const v = input.value.trim() === "" ? NaN : Number(input.value);
    return Number.isFinite(v) ? v : null;
  };

  function placer(map, div, lon, lat, onMove) {
    let marker = null;
    const moved = () => { if (onMove) onMove(marker.getLatLng()); };
    function fill(latlng) {
      lon.value = latlng.lng.toFixed(6);
      lat.value = latlng.lat.toFixed(6);
    }
    function draw(latlng, pan) {
      if (!marker) {
        marker = L.marker(latlng, {draggable: true, autoPan: true, keyboard: true, title: div.getAttribute("aria-label"),
                                   icon: pointIcon("point-new")}).addTo(map);
        marker.on("drag dragend", () => { fill(marker.getLatLng()); moved(); });
      } else {
        marker.setLatLng(latlng);
      }
      moved();
      if (pan) map.panTo(latlng);
    }
    function fromFields() {
      const x = number(lon), y = number(lat);
      if (x !== null && y !== null && Math.abs(y) <= 90 && Math.abs(x) <= 180) draw(L.latLng(y, x), true);
    }
    map.on("click", (e) => { draw(e.latlng, false); fill(e.latlng); });
    [lon, lat].forEach((input) => input.addEventListener("input", fromFields));
    fromFields();
    return {
      draw: (latlng) => { fill(latlng); draw(L.latLng(latlng.lat, latlng.lng), true); },
      clear: () => { if (marker) { marker.remove(); marker = null; } },
      marker: () => marker,
    };
  }

  window.WebMapPointMap = {create, pointIcon, placer, number};
})();
