/* One marker per located site (and a dashed circle per approximate point), fanned out
 * where several share a point; without clusters they are made once and shown or hidden
 * as the filters change. */
(function (app) {
  "use strict";

  const {el, table, isApprox} = window.WebMapUtil, {t, tr} = app.i18n;
  const config = app.config, map = app.map, display = app.gcj.display;
  const layersById = table(config.layers.map((l) => [l.id, l]));
  const groups = table(Object.entries(app.handles.groups));
  const markers = table(), circles = [];
  let offsets = table();

  /* Several places can share one approximate point (e.g. the Heng'an New District proxy).
   * Fan them out around it in screen pixels, so each can be tapped; the point itself and
   * its uncertainty circle stay where the data puts them. */
  function fanOut(located) {
    // Keyed by the numbers themselves (a Map per longitude): turning 100,000 coordinate
    // pairs into strings took longer than clustering them.
    const byLon = new Map();
    offsets = table();
    for (const f of located) {
      const [lon, lat] = f.geometry.coordinates;
      let byLat = byLon.get(lon);
      if (!byLat) byLon.set(lon, (byLat = new Map()));
      const ids = byLat.get(lat);
      if (ids) ids.push(f.id); else byLat.set(lat, [f.id]);
    }
    for (const byLat of byLon.values()) {
      for (const ids of byLat.values()) {
        if (ids.length < 2) continue;
        const n = ids.length, r = 16 + 5 * n;
        ids.forEach((id, i) => {
          const a = (2 * Math.PI * i) / n - Math.PI / 2;
          offsets[id] = [Math.round(r * Math.cos(a)), Math.round(r * Math.sin(a))];
        });
      }
    }
  }
  const offsetOf = (id) => offsets[id] || [0, 0];

  /* Without clusters, at the map's zoom: markers whose 44 px tap boxes would overlap on
   * screen (the same proxy point, or nearby ones such as the Heng'an subdistricts) are
   * fanned out around their group's centre, on a circle wide enough that neighbours keep
   * TARGET px apart. Groups are joined until no two fanned boxes overlap. Called once the
   * first view is set (before the markers are made) and on every zoom; "webmap:fanned"
   * tells the trip overlay. (fanOut, above, is the zoom-free version the clusters use.) */
  const TARGET = 46;
  function spread(located) {
    const zoom = map.getZoom(), n = located.length, before = offsets;
    const pts = located.map((f) => map.project(display(...f.geometry.coordinates), zoom));
    const parent = located.map((_, i) => i);
    const find = (i) => { while (parent[i] !== i) i = parent[i] = parent[parent[i]]; return i; };
    let shown = pts.map((p) => [p.x, p.y]), joined = true;
    for (let pass = 0; joined && pass < 8; pass++) {
      joined = false;
      const order = [...shown.keys()].sort((a, b) => shown[a][0] - shown[b][0]);
      for (let s = 0; s < n; s++) {
        const i = order[s];
        for (let u = s + 1; u < n && shown[order[u]][0] - shown[i][0] < TARGET; u++) {
          const j = order[u];
          if (Math.abs(shown[j][1] - shown[i][1]) < TARGET && find(i) !== find(j)) { parent[find(i)] = find(j); joined = true; }
        }
      }
      const byRoot = new Map();
      located.forEach((_, i) => { const r = find(i); if (!byRoot.has(r)) byRoot.set(r, []); byRoot.get(r).push(i); });
      offsets = table();
      shown = pts.map((p) => [p.x, p.y]);
      for (const members of byRoot.values()) {
        const k = members.length;
        if (k < 2) continue;
        const cx = members.reduce((a, i) => a + pts[i].x, 0) / k, cy = members.reduce((a, i) => a + pts[i].y, 0) / k;
        const r = TARGET / (2 * Math.sin(Math.PI / k));
        // Around the circle in the order of their own bearing from the centre (ties: data order).
        members.sort((a, b) => Math.atan2(pts[a].y - cy, pts[a].x - cx) - Math.atan2(pts[b].y - cy, pts[b].x - cx) || a - b);
        members.forEach((i, m) => {
          const a = (2 * Math.PI * m) / k - Math.PI / 2, x = cx + r * Math.cos(a), y = cy + r * Math.sin(a);
          shown[i] = [x, y];
          offsets[located[i].id] = [Math.round(x - pts[i].x), Math.round(y - pts[i].y)];
        });
      }
    }
    for (const f of located) {
      const marker = markers[f.id], was = before[f.id] || [0, 0], now = offsetOf(f.id);
      if (!marker || (was[0] === now[0] && was[1] === now[1])) continue;  // keeps focus and open popups
      marker.setIcon(icon(f, layersById[f.properties.layer], now));
      if (marker.getElement()) marker.getElement().setAttribute("aria-label", marker.options.ariaName);
    }
    map.fire("webmap:fanned");
  }

  function icon(f, layer, offset) {
    const recent = app.recent && app.recent[f.id];  // changed lately (static/js/ui/recent.js)
    const node = el("span", {class: "site-marker" + (isApprox(f) ? " approx" : "") + (recent ? " recent" : ""),
                             "data-site-id": f.id,
                             "data-layer": f.properties.layer, "data-precision": f.properties.location.precision},
                    layer.icon);
    node.style.setProperty("--layer", layer.colour);
    // A 44 px box (thumb-sized tap target) around a 34 px disc.
    return L.divIcon({html: node, className: "site-marker-wrap", iconSize: [44, 44],
                      iconAnchor: [22 - offset[0], 22 - offset[1]], popupAnchor: [offset[0], offset[1] - 16]});
  }

  function circleFor(f, circleIndex) {
    const p = f.properties, layer = layersById[p.layer], [lon, lat] = f.geometry.coordinates;
    const key = [p.layer, lon, lat, p.location.uncertainty_m].join("|");
    let c = circleIndex[key];
    if (!c) {
      c = circleIndex[key] = {
        layer: p.layer, lonlat: [lon, lat], ids: [],
        circle: L.circle(display(lon, lat), {radius: p.location.uncertainty_m, color: layer.colour, weight: 1.5,
                                             dashArray: "5 5", fillColor: layer.colour, fillOpacity: 0.08,
                                             interactive: false, className: "uncertainty uncertainty-" + p.layer}),
      };
      circles.push(c);
    }
    c.ids.push(f.id);
  }

  /* The marker of a site (made on first use); circleIndex: also its uncertainty circle. */
  function add(f, circleIndex) {
    const p = f.properties, layer = layersById[p.layer], [lon, lat] = f.geometry.coordinates;
    if (isApprox(f) && circleIndex) circleFor(f, circleIndex);
    const name = tr(p.name) + (isApprox(f) ? "（" + t("approxShort") + "）" : "");
    const marker = L.marker(display(lon, lat), {icon: icon(f, layer, offsetOf(f.id)), title: name, keyboard: true,
                                                riseOnHover: true});
    // A bubble on desktops, the docked card on phones (js/ui/card.js), one content builder.
    marker.bindPopup(new app.card.SitePopup().setContent(() => app.popup.forSite(f, marker)));
    marker.options.ariaName = tr(layer.name) + "：" + name;
    marker.on("add", () => {
      const node = marker.getElement();
      if (node) node.setAttribute("aria-label", marker.options.ariaName);
    });
    marker.on("popupopen", () => app.selection.select(f.id, false));
    marker.on("popupclose", () => { if (app.store.state.site === f.id) app.selection.select(null, false); });
    markers[f.id] = marker;
    return marker;
  }
  function addAll(located) {
    const circleIndex = table();
    located.forEach((f) => add(f, circleIndex));
  }

  /* Without clusters: show the markers (and circles) of the sites that pass the filters. */
  function showMatching() {
    const {passing} = app.filter, byId = app.data.byId;
    for (const f of app.store.state.features) {
      const marker = markers[f.id];
      if (!marker) continue;
      const group = groups[f.properties.layer], show = passing(f);
      if (show && !group.hasLayer(marker)) group.addLayer(marker);
      if (!show && group.hasLayer(marker)) group.removeLayer(marker);
    }
    for (const c of circles) {
      const group = groups[c.layer], show = c.ids.some((id) => passing(byId[id]));
      if (show && !group.hasLayer(c.circle)) group.addLayer(c.circle);
      if (!show && group.hasLayer(c.circle)) group.removeLayer(c.circle);
    }
  }

  /* After a switch between WGS-84 and GCJ-02 tiles. */
  function reproject() {
    app.gcj.reprojectOutline();
    for (const f of app.store.state.features) {
      if (markers[f.id]) markers[f.id].setLatLng(display(...f.geometry.coordinates));
    }
    circles.forEach((c) => c.circle.setLatLng(display(...c.lonlat)));
  }

  const latlngOf = (id) => (markers[id] ? markers[id].getLatLng() : display(...app.data.byId[id].geometry.coordinates));

  function onChange(changed) {
    if (!app.clustered && app.store.changedAny(changed, ["features", ...app.filter.SHOWN])) showMatching();
  }

  /* Draw a site's marker again (its icon says more now, e.g. "changed lately"). */
  function redraw(id) {
    const marker = markers[id], f = marker && app.WebMap.features.find((x) => x.id === id);
    if (!f) return;
    marker.setIcon(icon(f, layersById[f.properties.layer], offsetOf(id)));
    if (marker.getElement()) marker.getElement().setAttribute("aria-label", marker.options.ariaName);
  }

  app.markers = {markers, groups, layersById, fanOut, spread, offsetOf, add, addAll, showMatching, reproject, latlngOf,
                 onChange, redraw};
})(window.WebMapApp);
