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
  const lon = document.getElementById("lon"), lat = document.getElementById("lat");
  const unc = document.getElementById("uncertainty_m");
  let marker = null, circle = null;

  const number = (input) => {
    const v = input.value.trim() === "" ? NaN : Number(input.value);
    return Number.isFinite(v) ? v : null;
  };
  function radius() {
    const r = number(unc);
    return r !== null && r > 0 ? r : 0;
  }
  function draw(latlng, pan) {
    if (!marker) {
      marker = L.marker(latlng, {draggable: true, autoPan: true, keyboard: true,
                                 icon: window.WebMapPointMap.pointIcon("point-new"), title: div.getAttribute("aria-label")})
        .addTo(map);
      marker.on("drag dragend", () => { fill(marker.getLatLng()); circle.setLatLng(marker.getLatLng()); });
      circle = L.circle(latlng, {radius: radius(), className: "uncertainty-circle", interactive: false}).addTo(map);
    } else {
      marker.setLatLng(latlng);
      circle.setLatLng(latlng);
    }
    if (pan) map.panTo(latlng);
  }
  function fill(latlng) {
    lon.value = latlng.lng.toFixed(6);
    lat.value = latlng.lat.toFixed(6);
  }
  function fromFields() {
    const x = number(lon), y = number(lat);
    if (x !== null && y !== null && Math.abs(y) <= 90 && Math.abs(x) <= 180) draw(L.latLng(y, x), true);
  }

  map.on("click", (e) => { draw(e.latlng, false); fill(e.latlng); });
  [lon, lat].forEach((input) => input.addEventListener("input", fromFields));
  unc.addEventListener("input", () => { if (circle) circle.setRadius(radius()); });
  fromFields();
  if (marker) map.setView(marker.getLatLng(), Math.max(map.getZoom(), 13));

  // For tests and curious developers: the circle drawn now, in metres.
  window.WebMapEditMap = {map, circleRadius: () => (circle ? circle.getRadius() : null),
                          point: () => (marker ? marker.getLatLng() : null)};
})();
