/* A small Leaflet map (the vendored copy) for the edit form and the review queue: the
 * district's outline, the tiles the settings allow (none in tests), nothing else.
 * window.WebMapPointMap.create(div) → the L.Map. Config: #point-map-config (JSON). */
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

  window.WebMapPointMap = {create, pointIcon};
})();
