/* Cluster mode (large catalogues, docs/scale.md): one Supercluster index over the located
 * sites that pass every filter but the layer one; only what is in view is drawn.
 *
 * Layers are not built into the index (docs/frontend.md, "Clusters and layers"): each
 * cluster carries its count per layer (byLayer) and, for each layer, one of its sites
 * (one). Drawing skips the hidden layers: a cluster shows the sum of its shown layers'
 * counts (exact), a ring of their mix, nothing when that sum is 0, and the one site's
 * own marker when it is 1. So showing or hiding a layer only draws again; the index is
 * rebuilt only when another filter (theme, status, precision, school, search, nearby)
 * changes which sites it holds. A cluster's click zooms to where it splits in that same
 * index. */
(function (app) {
  "use strict";

  const {el} = window.WebMapUtil, {t} = app.i18n;
  const config = app.config, map = app.map;
  const MAX_ZOOM = 16;  // from zoom 17 on, every site has its own marker
  const LAYER_AT = Object.fromEntries(config.layers.map((l, i) => [l.id, i]));
  let index = null, held = null, singles = new Set();
  const layer = L.layerGroup().addTo(map), drawn = [];

  /* The located sites passing every filter but the layer one, in catalogue order. */
  function passingSites() {
    const out = [], passing = app.filter.passing;
    for (const f of app.store.state.features) if (f.geometry && passing(f)) out.push(f);
    return out;
  }
  const same = (a, b) => a && a.length === b.length && a.every((f, i) => f === b[i]);

  /* (Re)build the index if the sites it should hold changed; true if it did. */
  function build() {
    const sites = passingSites();
    if (index && same(held, sites)) return false;
    const nLayers = config.layers.length;
    index = new window.Supercluster({
      radius: 80, maxZoom: MAX_ZOOM,
      map: (p) => {
        const byLayer = new Array(nLayers).fill(0), one = new Array(nLayers).fill(null);
        byLayer[p.layer] = 1; one[p.layer] = p.id;
        return {byLayer, one};
      },
      // Supercluster starts a cluster's properties from a shallow copy of its first
      // child's, so the arrays are the child's: copied once per cluster (owner says whose
      // they are), then added to in place. (A new array per reduce cost ~1 s at 100k.)
      reduce: (acc, p) => {
        if (acc.owner !== acc) { acc.byLayer = acc.byLayer.slice(); acc.one = acc.one.slice(); acc.owner = acc; }
        const byLayer = acc.byLayer, one = acc.one;
        for (let i = 0; i < nLayers; i++) {
          byLayer[i] += p.byLayer[i];
          if (one[i] === null) one[i] = p.one[i];
        }
      },
    }).load(sites.map((f) => ({type: "Feature", geometry: f.geometry, site: f,
                                properties: {layer: LAYER_AT[f.properties.layer], id: f.id}})));
    held = sites;
    return true;
  }

  function icon(n, byLayer, shown) {
    const label = n >= 10000 ? Math.round(n / 1000) + "k" : n >= 1000 ? (n / 1000).toFixed(1) + "k" : String(n);
    const size = n >= 1000 ? 56 : n >= 100 ? 50 : 44;
    let at = 0;
    const stops = config.layers.map((l, i) => {
      const from = at;
      if (shown[i]) at += (360 * byLayer[i]) / n;
      return `${l.colour} ${from.toFixed(1)}deg ${at.toFixed(1)}deg`;
    });
    const node = el("span", {class: "site-cluster", "data-count": String(n)}, el("span", {}, label));
    node.style.setProperty("background", `conic-gradient(${stops.join(", ")})`);
    return L.divIcon({html: node, className: "site-cluster-wrap", iconSize: [size, size]});
  }

  /* A site drawn on its own: its marker, in its layer's group. */
  function single(f, wanted) {
    const {markers, groups} = app.markers;
    wanted.add(f.id);
    const marker = markers[f.id] || app.markers.add(f, null);
    const group = groups[f.properties.layer];
    if (!group.hasLayer(marker)) group.addLayer(marker);
  }

  function render() {
    drawn.splice(0).forEach((m) => layer.removeLayer(m));
    if (!index) return;
    const {markers, groups} = app.markers, layers = app.store.state.layers, byId = app.data.byId;
    const shown = config.layers.map((l) => layers.has(l.id));
    const b = map.getBounds().pad(0.25);
    // The index holds WGS-84; under AMap tiles the screen is GCJ-02, a few hundred
    // metres off, which the padding covers.
    const bbox = [Math.max(-180, b.getWest()), Math.max(-85, b.getSouth()),
                  Math.min(180, b.getEast()), Math.min(85, b.getNorth())];
    const wanted = new Set(), own = index;
    for (const c of own.getClusters(bbox, map.getZoom())) {
      if (!c.properties.cluster) {  // a site on its own
        if (shown[c.properties.layer]) single(c.site, wanted);
        continue;
      }
      const {byLayer, one} = c.properties;
      let n = 0, last = -1;
      for (let i = 0; i < byLayer.length; i++) if (shown[i] && byLayer[i]) { n += byLayer[i]; last = i; }
      if (n === 0) continue;
      if (n === 1) { single(byId[one[last]], wanted); continue; }
      const [lon, lat] = c.geometry.coordinates, title = t("clusterTitle", {n});
      const marker = L.marker(app.gcj.display(lon, lat), {icon: icon(n, byLayer, shown), keyboard: true, title});
      marker.on("add", () => marker.getElement().setAttribute("aria-label", title));
      marker.on("click", () => {
        // This cluster's own index (not whatever index is current by the time of the click).
        const z = Math.min(own.getClusterExpansionZoom(c.properties.cluster_id), map.getMaxZoom());
        map.setView(marker.getLatLng(), Math.max(z, map.getZoom() + 1));
      });
      layer.addLayer(marker);
      drawn.push(marker);
    }
    for (const id of singles) {
      if (!wanted.has(id) && markers[id]) groups[byId[id].properties.layer].removeLayer(markers[id]);
    }
    singles = wanted;
  }

  function onChange(changed) {
    if (!app.clustered) return;
    const store = app.store;
    const rebuilt = store.changedAny(changed, ["features", ...app.filter.KEYS]) && build();
    if (rebuilt || store.changedAny(changed, ["layers", "view", "base"])) render();
  }

  app.clusters = {MAX_ZOOM, build, render, onChange};
})(window.WebMapApp);
