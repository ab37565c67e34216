/* The stewards' queue's overview map: every open suggestion's proposed point (red); a tap
 * on one goes to that suggestion in the list. Data: #suggestions-map's data-points,
 * [{id, point: [lon, lat]}], ids and coordinates only (no visitor text). */
(function () {
  "use strict";

  const div = document.getElementById("suggestions-map");
  if (!div || !window.WebMapPointMap) return;
  const points = JSON.parse(div.dataset.points || "[]");
  if (!points.length) return;
  const map = window.WebMapPointMap.create(div);
  if (!map) return;
  const icon = window.WebMapPointMap.pointIcon, all = [];
  points.forEach((p) => {
    const at = L.latLng(p.point[1], p.point[0]);
    const marker = L.marker(at, {icon: icon("point-new suggestion-point"), title: p.label, alt: p.label}).addTo(map);
    marker.on("click", () => {
      const item = document.getElementById("suggestion-" + p.id);
      if (item) { item.scrollIntoView(); item.querySelector("h2").focus({preventScroll: true}); }
    });
    all.push(at);
  });
  map.fitBounds(L.latLngBounds(all).pad(0.3), {maxZoom: 15});
  window.WebMapSuggestionsMap = {map, count: all.length};
})();
