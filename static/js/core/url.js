/* The address bar and the store: the state a link restores, and the one write per user
 * action that makes the address (and the language switch, and the share box) follow it.
 * Every parameter goes through the one table in js/params.js; others' parameters (the
 * planner's trip=..., embed=1) are kept as they are.
 */
(function (app) {
  "use strict";

  const P = window.WebMapParams, {$} = window.WebMapIds, {table} = window.WebMapUtil;
  const config = app.config, map = app.map;
  const baseIds = config.basemaps.map((b) => b.id);
  const params = new URLSearchParams(window.location.search);  // as the page was opened

  /* The store's first state, from the link. */
  function initialState() {
    const layerIds = table(config.layers.map((l) => [l.id, true]));
    const near = P.parse(params, "near"), sort = P.parse(params, "sort"), base = P.parse(params, "base");
    return {
      layers: new Set(params.has("layers") ? P.parse(params, "layers").filter((x) => x in layerIds)
                                             : config.layers.map((l) => l.id)),
      theme: new Set(P.parse(params, "theme")),
      status: new Set(P.parse(params, "status")),
      precision: new Set(P.parse(params, "precision")),
      school: P.parse(params, "school"),
      q: P.parse(params, "q"),
      site: P.parse(params, "site") || null,
      near: near.startsWith("site:") ? {kind: "site", id: near.slice(5)} : null,
      radius: P.parse(params, "r"),
      sort: ["relevance", "name", "distance"].includes(sort) ? sort : "relevance",
      base: baseIds.includes(base) ? base : baseIds[0],
      features: [], hits: null, nearHits: null, distances: null, view: 0,
    };
  }
  /* The view the link holds ([lat, lon, zoom]), or null. */
  function linkedView() {
    const view = (params.get("view") || "").split(",").map(Number);
    return view.length === 3 && view.every(Number.isFinite) ? view : null;
  }

  /* The query string of the state (in another language for the language switch). */
  function stateParams(state, forLang) {
    const q = new URLSearchParams(window.location.search);
    P.owned("map").forEach((k) => P.write(q, k, null));
    q.set("lang", forLang || app.lang);
    P.write(q, "layers", state.layers.size !== config.layers.length ? state.layers : null);
    for (const k of P.filters) P.write(q, k, state[k]);
    // "Near me" is never written into a link: a shared link must not carry your location.
    P.write(q, "near", state.near && state.near.kind === "site" ? "site:" + state.near.id : null);
    P.write(q, "r", state.radius);
    P.write(q, "sort", state.sort);
    P.write(q, "base", state.base !== baseIds[0] ? state.base : null);
    P.write(q, "site", state.site);
    const c = map.getCenter();
    q.set("view", `${c.lat.toFixed(5)},${c.lng.toFixed(5)},${map.getZoom()}`);
    return q;
  }

  /* Many things ask for the address to follow the state during one user action (a list
   * click selects, moves the map and opens a popup); it is written once, after all. */
  let queued = false;
  function write() {
    if (!app.store.state.features.length || queued) return;  // not restored yet, or already queued
    queued = true;
    queueMicrotask(flush);
  }
  function flush() {
    queued = false;
    // Mid-pan (a popup's auto-pan, a drag): the "moveend" (action moved) writes it when the map stops.
    if (document.body.hasAttribute("data-map-moving")) return;
    const state = app.store.state;
    app.WebMap.stats.urlWrites++;
    history.replaceState(null, "", "?" + stateParams(state).toString());
    relink();
    app.share.follow();
    app.emit("url");
  }

  /* The language switch carries the whole address (map and planner parameters) in the other
   * language; called after every write of the address, by whichever part wrote it. */
  function relink() {
    const q = new URLSearchParams(window.location.search);
    q.set("lang", app.lang === "zh" ? "en" : "zh");
    $("langSwitch").href = "?" + q.toString() + window.location.hash;
  }

  // The keys a link carries (and "view": the map moved).
  const KEYS = ["layers", "theme", "status", "precision", "school", "hits", "site", "near", "nearHits",
                "radius", "sort", "base", "view"];
  function onChange(changed) {
    if (app.store.changedAny(changed, KEYS)) write();
  }

  app.url = {initialState, linkedView, stateParams, write, relink, onChange, baseIds, hasView: params.has("view")};
})(window.WebMapApp);
