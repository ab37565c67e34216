/* The edit form's map: tap the map to place the point, drag the marker to move it; the
 * longitude/latitude fields follow (and typing in them moves the marker), and the
 * uncertainty circle's radius is the "Uncertainty (metres)" field, live while typing.
 * Without this script the fields work on their own (the form posts them as typed). */
(function () {
  "use strict";

  const div = document.getElementById("point-map");
  if (!div || !window.WebMapPointMap) return;
  const map = window.WebMapPointMap.create(div);
  if (!map) return;
  document.getElementById("point-map-hint").hidden = false;
  const unc = document.getElementById("uncertainty_m");
  let circle = null;
  function radius() {
    const r = window.WebMapPointMap.number(unc);
    return r !== null && r > 0 ? r : 0;
  }
  const follow = (latlng) => {
    if (!circle) circle = L.circle(latlng, {radius: radius(), className: "uncertainty-circle", interactive: false}).addTo(map);
    else circle.setLatLng(latlng);
  };
  const point = window.WebMapPointMap.placer(map, div, document.getElementById("lon"), document.getElementById("lat"), follow);
  unc.addEventListener("input", () => { if (circle) circle.setRadius(radius()); });
  if (point.marker()) map.setView(point.marker().getLatLng(), Math.max(map.getZoom(), 13));

  // For tests and curious developers: the circle drawn now, in metres.
  window.WebMapEditMap = {map, circleRadius: () => (circle ? circle.getRadius() : null),
                          point: () => (point.marker() ? point.marker().getLatLng() : null)};
})();
