/* One marker per located site (and a dashed circle per approximate point), fanned out
 * where several share a point; without clusters they are made once and shown or hidden
 * as the filters change. */
(function (app) {
  "use strict";

  const {$} = window.WebMapIds, {el, table, isApprox} = window.WebMapUtil, {t, tr} = app.i18n;
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

  function icon(f, layer, offset) {
    const node = el("span", {class: "site-marker" + (isApprox(f) ? " approx" : ""), "data-site-id": f.id,
                             "data-layer": f.properties.layer, "data-precision": f.properties.location.precision},
                    layer.icon);
    node.style.setProperty("--layer", layer.colour);
    // A 44 px box (thumb-sized tap target) around a 34 px disc.
    return L.divIcon({html: node, className: "site-marker-wrap", iconSize: [44, 44],
                      iconAnchor: [22 - offset[0], 22 - offset[1]], popupAnchor: [offset[0], offset[1] - 16]});
  }

  /* Keep popups clear of the map controls and, on phones, of the bottom sheet. */
  function popupOptions() {
    const mapBox = map.getContainer().getBoundingClientRect();
    const sheet = app.phone ? $("sidebar").getBoundingClientRect().height : 0;
    const top = app.phone ? 110 : 16;
    return {maxWidth: Math.min(340, window.innerWidth - 48),
            maxHeight: Math.max(180, Math.round(mapBox.height - sheet - top - 60)),
            autoPanPaddingTopLeft: [16, top], autoPanPaddingBottomRight: [16, sheet + 16],
            className: "site-popup"};
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
    marker.bindPopup(() => app.popup.forSite(f, marker), popupOptions());
    marker.on("add", () => {
      const node = marker.getElement();
      if (node) node.setAttribute("aria-label", tr(layer.name) + "：" + name);
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

  app.markers = {markers, groups, layersById, fanOut, offsetOf, add, addAll, showMatching, reproject, latlngOf,
                 onChange};
})(window.WebMapApp);
