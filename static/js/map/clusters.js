/* Cluster mode (large catalogues, docs/scale.md): one Supercluster index over the sites
 * that pass every filter (so counts are exact), rebuilt when the filters change; only
 * what is in view is drawn. Each cluster shows its mix of layers as a ring. */
(function (app) {
  "use strict";

  const {el} = window.WebMapUtil, {t} = app.i18n;
  const config = app.config, map = app.map;
  const MAX_ZOOM = 16;  // from zoom 17 on, every site has its own marker
  let index = null, singles = new Set();
  const layer = L.layerGroup().addTo(map), drawn = [];

  function build() {
    index = new window.Supercluster({
      radius: 80, maxZoom: MAX_ZOOM,
      map: (p) => ({byLayer: config.layers.map((l) => (l.id === p.layer ? 1 : 0))}),
      reduce: (acc, p) => { for (let i = 0; i < acc.byLayer.length; i++) acc.byLayer[i] += p.byLayer[i]; },
    }).load(app.store.state.features.filter((f) => f.geometry && app.filter.visible(f)));
  }

  function icon(n, byLayer) {
    const label = n >= 10000 ? Math.round(n / 1000) + "k" : n >= 1000 ? (n / 1000).toFixed(1) + "k" : String(n);
    const size = n >= 1000 ? 56 : n >= 100 ? 50 : 44;
    let at = 0;
    const stops = config.layers.map((l, i) => {
      const from = at;
      at += (360 * byLayer[i]) / n;
      return `${l.colour} ${from.toFixed(1)}deg ${at.toFixed(1)}deg`;
    });
    const node = el("span", {class: "site-cluster", "data-count": String(n)}, el("span", {}, label));
    node.style.setProperty("background", `conic-gradient(${stops.join(", ")})`);
    return L.divIcon({html: node, className: "site-cluster-wrap", iconSize: [size, size]});
  }

  function render() {
    drawn.splice(0).forEach((m) => layer.removeLayer(m));
    if (!index) return;
    const {markers, groups} = app.markers;
    const b = map.getBounds().pad(0.25);
    // The index holds WGS-84; under AMap tiles the screen is GCJ-02, a few hundred
    // metres off, which the padding covers.
    const bbox = [Math.max(-180, b.getWest()), Math.max(-85, b.getSouth()),
                  Math.min(180, b.getEast()), Math.min(85, b.getNorth())];
    const wanted = new Set();
    for (const c of index.getClusters(bbox, map.getZoom())) {
      if (!c.properties.cluster) {  // a site on its own: the feature itself
        wanted.add(c.id);
        const marker = markers[c.id] || app.markers.add(c, null);
        const group = groups[c.properties.layer];
        if (!group.hasLayer(marker)) group.addLayer(marker);
        continue;
      }
      const n = c.properties.point_count, [lon, lat] = c.geometry.coordinates;
      const title = t("clusterTitle", {n});
      const marker = L.marker(app.gcj.display(lon, lat), {icon: icon(n, c.properties.byLayer), keyboard: true, title});
      marker.on("add", () => marker.getElement().setAttribute("aria-label", title));
      marker.on("click", () => {
        const z = Math.min(index.getClusterExpansionZoom(c.properties.cluster_id), map.getMaxZoom());
        map.setView(marker.getLatLng(), z);
      });
      layer.addLayer(marker);
      drawn.push(marker);
    }
    for (const id of singles) {
      if (!wanted.has(id) && markers[id]) groups[app.data.byId[id].properties.layer].removeLayer(markers[id]);
    }
    singles = wanted;
  }

  function onChange(changed) {
    if (!app.clustered) return;
    const store = app.store, rebuild = store.changedAny(changed, ["features", ...app.filter.SHOWN]);
    if (rebuild) build();
    if (rebuild || store.changedAny(changed, ["view", "base"])) render();
  }

  app.clusters = {MAX_ZOOM, build, render, onChange};
})(window.WebMapApp);
