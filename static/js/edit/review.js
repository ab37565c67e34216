/* The review queue's maps of what moved: the old point (grey), the new one (red) and a
 * line between, on each proposal that moves, places or removes a point. */
(function () {
  "use strict";

  if (!window.WebMapPointMap) return;
  const latlng = (text) => {
    if (!text) return null;
    const c = JSON.parse(text);
    return L.latLng(c[1], c[0]);
  };
  document.querySelectorAll(".proposal-map").forEach((div) => {
    const map = window.WebMapPointMap.create(div);
    if (!map) return;
    const old = latlng(div.dataset.old), now = latlng(div.dataset.new), icon = window.WebMapPointMap.pointIcon;
    const points = [];
    if (old) { L.marker(old, {icon: icon("point-old"), keyboard: false, interactive: false}).addTo(map); points.push(old); }
    if (now) { L.marker(now, {icon: icon("point-new"), keyboard: false, interactive: false}).addTo(map); points.push(now); }
    if (old && now) L.polyline([old, now], {className: "moved-line", color: "#333", dashArray: "4 4"}).addTo(map);
    if (points.length) map.fitBounds(L.latLngBounds(points).pad(0.5), {maxZoom: 15});
  });
})();
