/* Field-trip planner on the map page: the start-up. Its parts are in static/js/planner/
 * (trip.js: state, actions, address; list.js; controls.js; plan.js); they use the map's
 * one store (state.trip) and the WebMap API (on ready/popup/list, el, t, tr, markerOffset).
 *
 * Safety rule, as on the map: data text reaches the page only through textContent and DOM
 * nodes built with WebMap.el, never through an HTML string.
 */
(function (app) {
  "use strict";

  const {$} = window.WebMapIds, WebMap = window.WebMap, root = $("planner");
  if (!app || !WebMap || !root) return;
  const pl = app.planner, store = app.store, msg = WebMap.t;
  pl.root = root;
  pl.urls = {trips: root.getAttribute("data-trips-url"), plan: root.getAttribute("data-plan-url")};

  store.dispatch("tripReset");
  /* After a change of the trip, once: the address, the list and a new plan. */
  store.subscribe((changed) => {
    if (!pl.book || !store.changedAny(changed, ["tripStops", "tripVisit", "tripTimes", "tripOrdered"])) return;
    pl.writeUrl();
    if (store.changedAny(changed, ["tripStops", "tripTimes", "tripOrdered"])) pl.renderList();
    if (store.changedAny(changed, ["tripStops", "tripVisit", "tripTimes"])) pl.replan();
  });

  function restore(book) {
    pl.book = book;
    const restored = pl.readUrl(pl.byId, pl.maxStops());  // says what it corrected
    store.dispatch("tripRestored", restored.trip);
    pl.initControls();
    // Stops it could not add are said in the map's one link notice (readUrl, js/core/url.js).
    if (pl.trip().stops.length) {
      // A shared trip link: show the trip, fold the legend to make room.
      $("plannerBox").open = true;
      const legend = $("legendBox");
      if (legend) legend.open = false;
    }
    store.flush();  // the link now says exactly what was restored; list and plan follow
    if (!pl.trip().stops.length) root.setAttribute("data-plan-state", "empty");
    root.setAttribute("data-ready", "true");
  }

  WebMap.on("popup", pl.popupButton);
  WebMap.on("list", pl.markUnlocated);  // the list is redrawn whenever the selection changes
  WebMap.on("ready", (features) => {
    features.forEach((f) => { pl.byId[f.id] = f; });
    pl.markUnlocated();  // the list may have been drawn before this script subscribed
    fetch(pl.urls.trips, {headers: {Accept: "application/json"}})
      .then((resp) => { if (!resp.ok) throw new Error("HTTP " + resp.status); return resp.json(); })
      .then(restore)
      .catch((err) => pl.showError(msg("plannerLoadFailed", {message: err.message})));
  });
})(window.WebMapApp);
