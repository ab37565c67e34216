/* Yungang District map: the start-up. The parts (static/js/, listed in load order in
 * templates/map_scripts.html and docs/frontend.md) are defined by then; this file makes
 * the one store, subscribes the parts in the order they re-render, loads the sites,
 * restores the link's state and says "ready".
 *
 * Safety rule for every part: data text only ever reaches the page through textContent,
 * setAttribute or DOM nodes handed to Leaflet, never through an HTML string.
 */
(function (app) {
  "use strict";

  const map = app.map, config = app.config, WebMap = app.WebMap;
  const store = (app.store = app.createStore(app.url.initialState(), app.actions));
  const state = store.state;
  WebMap.state = state;  // read only: changed through store actions
  WebMap.markers = app.markers.markers;

  /* The subscribers, in the order they re-render after a change: overlays first (the
   * list places sites by their markers), then counts and list, the "change" event,
   * and last the address bar (written once, after everyone else). Facets, list and
   * nearby arrive after the first markers (loadLater); nothing is delivered before
   * store.start(), when every part is in. */
  ["basemap", "markers", "clusters", "facets", "list", "nearby", "sheet"].forEach((name) =>
    store.subscribe((changed) => app[name].onChange(changed)));
  store.subscribe((changed) => {
    if (store.changedAny(changed, ["features", ...app.filter.SHOWN])) app.emit("change", state);
  });
  store.subscribe(app.url.onChange);

  L.control.scale({imperial: false, position: "bottomright"}).addTo(map);
  [app.basemap, app.card].forEach((part) => part.init());

  /* What the first markers do not need (filters, list, search, nearby, share, export, the
   * planner: templates/map_scripts.html's <template>), loaded now, run in order after the
   * markers are drawn; resolves once the last has run. */
  function loadLater() {
    const later = window.WebMapIds.$("later");
    if (!later) return Promise.resolve();
    // Stylesheets (the planner's) are not waited for: nothing before "ready" needs them.
    later.content.querySelectorAll("link[rel=stylesheet]").forEach((l) =>
      document.head.appendChild(WebMap.el("link", {rel: "stylesheet", href: l.getAttribute("href")})));
    const srcs = [...later.content.querySelectorAll("script")].map((s) => s.getAttribute("src"));
    return Promise.all(srcs.map((src) => new Promise((resolve, reject) => {
      const s = WebMap.el("script", {src});
      s.async = false;  // in order, as they are listed
      s.onload = resolve;
      s.onerror = () => reject(new Error("could not load " + src));
      document.body.appendChild(s);
    })));
  }
  const later = loadLater();
  later.catch(() => {});  // handled below, once the markers are drawn (not "unhandled" meanwhile)

  function fitOrRestoreView() {
    map.invalidateSize();  // Folium created the map before our layout settled
    const view = app.url.linkedView();
    if (view) map.setView([view[0], view[1]], view[2], {reset: true});  // reset: exact, not pixel-rounded
    else fitDistrict();
  }
  function fitDistrict() {
    map.invalidateSize();
    // On phones the bottom sheet covers the lower part of the map: keep the district above it.
    const sheet = app.card.covered();
    map.fitBounds(config.bounds, {animate: false, paddingTopLeft: [12, 12], paddingBottomRight: [12, 12 + sheet]});
  }

  /* The sites are in: draw them, restore the link (basemap, layers, view, search, nearby). */
  function drawSites(fc) {
    const features = fc.features;
    store.dispatch("loaded", features);
    WebMap.features = features;
    app.data.index(features);
    const located = features.filter((f) => f.geometry);
    if (app.clustered) {
      app.markers.fanOut(located);
      // Draw first, finish the list and the filters after: at 100,000 sites they take a while.
      app.clusters.build();
      fitOrRestoreView();
      app.clusters.render();
      performance.mark("webmap:first-markers");
    } else {
      // The view first: how far apart markers are fanned depends on its zoom.
      fitOrRestoreView();
      app.markers.spread(located);
      app.markers.addAll(located);
      map.on("zoomend", () => app.markers.spread(located));
    }
    app.basemap.restore();
    config.layers.forEach((l) => { if (!state.layers.has(l.id)) map.removeLayer(app.markers.groups[l.id]); });
    if (!app.clustered) {
      // The markers now; counts, list and the rest come with the first render (ready()).
      app.markers.showMatching();
      performance.mark("webmap:first-markers");
    }
  }

  /* The rest of the page is in: its parts start, and the link's search and nearby run. */
  function startTheRest() {
    [app.facets, app.search, app.nearby, app.share].forEach((part) => part.init());
    return Promise.all([state.q ? app.search.search(state.q) : null, app.nearby.restore()]);
  }

  /* The first render, then the map's own events, the link's popup, and "ready". */
  function ready() {
    store.start();
    // data-map-moving lets scripts (and tests) wait until pans and zooms have finished.
    map.on("movestart", () => document.body.setAttribute("data-map-moving", ""));
    map.on("moveend", () => {
      document.body.removeAttribute("data-map-moving");
      store.dispatch("moved");
    });
    // The scale bar sits above popups (Leaflet's controls pane): hide it while one (or, on
    // phones, the card) is open.
    map.on("popupopen popupclose", (e) => map.getContainer().classList.toggle("popup-open", e.type === "popupopen"));
    const selectedMarker = state.site && app.markers.markers[state.site];
    if (selectedMarker && map.hasLayer(selectedMarker)) {
      // The link holds the view the sender saw, but perhaps on another screen (a desktop
      // link opened on a phone): the popup pans only as far as it must to be fully in view.
      selectedMarker.openPopup();
    }
    app.emit("ready", state.features, app.markers.markers);
    document.body.setAttribute("data-state", "ready");
  }

  // The link's popup opens, and "ready" is said, once every deferred script has run (the
  // planner, the edit and suggestion links...): the data is preloaded and would otherwise
  // beat them, and a popup built before they subscribed would lack their parts.
  // This file is a deferred script, so DOMContentLoaded (after the last deferred script)
  // is still to come while it runs ("interactive" already holds then); "load" in case not.
  const parsed = document.readyState === "complete" ? Promise.resolve() : new Promise((resolve) => {
    document.addEventListener("DOMContentLoaded", resolve, {once: true});
    window.addEventListener("load", resolve, {once: true});
  });
  app.data.load().then(drawSites).then(() => later).then(startTheRest).then(() => parsed).then(ready)
    .catch(app.data.showLoadError);
})(window.WebMapApp);
