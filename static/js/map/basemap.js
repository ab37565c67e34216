/* Basemaps: the one the link names is shown on load; a switch in Leaflet's layer control
 * dispatches baseChosen, and a switch between WGS-84 and GCJ-02 tiles moves every overlay. */
(function (app) {
  "use strict";

  const {table} = window.WebMapUtil;
  const map = app.map, basemapLayers = table(Object.entries(app.handles.basemaps));
  const baseOf = (layer) => Object.keys(basemapLayers).find((k) => basemapLayers[k] === layer);
  let shownGcj = false;  // the tiles the overlays are drawn for now

  function reprojectIfNeeded() {
    if (app.gcj.gcj() === shownGcj) return;
    shownGcj = app.gcj.gcj();
    app.markers.reproject();
  }

  /* On load: the link's basemap instead of the first one. */
  function restore() {
    const first = app.url.baseIds[0], base = app.store.state.base;
    if (base !== first) {
      map.removeLayer(basemapLayers[first]);
      map.addLayer(basemapLayers[base]);
    }
    reprojectIfNeeded();
  }

  function init() {
    map.on("baselayerchange", (e) => {
      const id = baseOf(e.layer);
      if (id) app.store.dispatch("baseChosen", id);
    });
  }
  // Before clusters and list (they draw on the reprojected overlays).
  function onChange(changed) { if (changed.has("base")) reprojectIfNeeded(); }

  app.basemap = {init, restore, onChange};
})(window.WebMapApp);
