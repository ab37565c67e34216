/* GCJ-02 (AMap): AMap tiles are drawn in GCJ-02; while they are shown, every overlay is
 * shifted with gcoord so that markers stay on the right spot. Data stays WGS-84. */
(function (app) {
  "use strict";

  const {table} = window.WebMapUtil;
  const baseCrs = table(app.config.basemaps.map((b) => [b.id, b.crs]));
  const gcj = () => baseCrs[app.store.state.base] === "gcj02";

  /* Where a WGS-84 point is drawn on the current basemap. */
  function display(lon, lat) {
    if (!gcj()) return L.latLng(lat, lon);
    const [x, y] = window.gcoord.transform([lon, lat], window.gcoord.WGS84, window.gcoord.GCJ02);
    return L.latLng(y, x);
  }

  const outlineOriginal = [];
  app.handles.outline.eachLayer((layer) => outlineOriginal.push([layer, layer.getLatLngs()]));
  function shiftLatLngs(latlngs) {
    return Array.isArray(latlngs) ? latlngs.map(shiftLatLngs) : display(latlngs.lng, latlngs.lat);
  }
  /* The district outline on the current basemap (markers: app.markers.reproject). */
  function reprojectOutline() {
    outlineOriginal.forEach(([layer, latlngs]) => layer.setLatLngs(shiftLatLngs(latlngs)));
  }

  app.gcj = {gcj, display, reprojectOutline};
})(window.WebMapApp);
