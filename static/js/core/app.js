/* The map page's shared parts: the page config, the Leaflet map Folium built, the event
 * hub, and window.WebMap, the small public API other scripts and the tests use.
 *
 * Every script of the page hangs its part on window.WebMapApp (app.store, app.filter,
 * app.list, ...); static/map.js wires them together once the data is in. See docs/frontend.md.
 */
(function () {
  "use strict";

  const {$} = window.WebMapIds, {el} = window.WebMapUtil;
  const config = JSON.parse($("config").textContent);
  const handles = window.WEBMAP_HANDLES;
  const map = handles.map;

  /* Events for other scripts (loaded after this one), so they can add to popups or react
   * when the data is in without editing these files:
   *   ready(features, markers)  once, after the markers are drawn (remembered for late subscribers)
   *   popup(rootElement, feature)  each time a popup is built
   *   change(state)  after filters, search or nearby changed what is shown
   *   list()  after the list has been redrawn
   *   url()  after the address bar was rewritten (once per action) */
  const listeners = {ready: [], popup: [], change: [], list: [], url: []};
  let readyArgs = null, popupArgs = null;
  function emit(event, ...args) {
    if (event === "ready") readyArgs = args;
    if (event === "popup") popupArgs = args;
    listeners[event].forEach((fn) => fn(...args));
  }

  const app = (window.WebMapApp = {
    config, handles, map, lang: config.lang, emit,
    phone: window.matchMedia("(max-width: 760px)").matches,
    // Cluster mode (large catalogues, see docs/scale.md): the page holds compact features,
    // draws clusters, and fetches a site's full text when its popup opens.
    clustered: !!config.cluster,
  });

  app.WebMap = window.WebMap = {
    map, config, el, features: [], markers: null, state: null,  // markers, state: set by map.js
    // "ready" and the popup open now are remembered: a script that registers after the data
    // came in (the data is preloaded, so it can beat a later <script>; a shared link's
    // popup opens with it) is called at once.
    on: (event, fn) => {
      listeners[event].push(fn);
      if (event === "ready" && readyArgs) fn(...readyArgs);
      // The open popup is built again, with this subscriber's part, and panned so it fits:
      // a part added to the built popup would grow it past the map's edge.
      if (event === "popup" && popupArgs && popupArgs[0].isConnected) {
        map.eachLayer((layer) => { if (layer instanceof L.Popup && layer.isOpen()) layer.update(); });
      }
    },
    visibleFeatures: () => app.filter.visibleFeatures(),
    // How far a marker is fanned out from its site's point, in screen pixels [x, y]
    // (several sites can share one approximate point); [0, 0] when it is not.
    markerOffset: (id) => app.markers.offsetOf(id),
    // Counters a test (or a curious developer) can read: filter tests and URL writes so far.
    stats: {filterRuns: 0, urlWrites: 0},
  };
})();
