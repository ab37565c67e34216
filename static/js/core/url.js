/* The address bar and the store: the state a link restores, and the one write per user
 * action that makes the address (and the language switch, and the share box) follow it.
 * Every parameter goes through the one table in js/params.js; others' parameters (the
 * planner's trip=..., embed=1) are kept as they are.
 */
(function (app) {
  "use strict";

  const P = window.WebMapParams, {$} = window.WebMapIds, {table, el} = window.WebMapUtil, {t} = app.i18n;
  const config = app.config, map = app.map;
  const baseIds = config.basemaps.map((b) => b.id);
  const params = new URLSearchParams(window.location.search);  // as the page was opened

  /* What the link asked for that could not be used, in the visitor's words: one notice
   * lists them all (report() below), and the next write of the address leaves them out. */
  const problems = [];
  const shown = (text) => (text.length > 40 ? text.slice(0, 39) + "…" : text);
  const names = (values) => shown(values.join(app.lang === "zh" ? "、" : ", "));
  function problem(key, values, vars) { problems.push(t(key, Object.assign({value: names(values)}, vars))); }

  /* The values of a list parameter that are known; the others go into `bad`. */
  function known(name, ids, bad) {
    const all = P.parse(params, name) || [];  // layers: null when absent
    bad.push(...all.filter((x) => !(x in ids)));
    return all.filter((x) => x in ids);
  }
  const idsOf = (keys) => table(keys.map((k) => [k, true]));

  /* The store's first state, from the link. */
  function initialState() {
    const near = P.parse(params, "near"), sort = P.parse(params, "sort"), base = P.parse(params, "base");
    const badLayers = [], layers = known("layers", idsOf(config.layers.map((l) => l.id)), badLayers);
    // No layer left (or none named): every layer, as without the parameter.
    if (badLayers.length) problem(layers.length ? "linkLayerSome" : "linkLayer", badLayers);
    const badFilters = [], filters = {
      theme: known("theme", idsOf(config.themes.map((x) => x.id)), badFilters),
      status: known("status", idsOf(Object.keys(config.vocab.status)), badFilters),
      precision: known("precision", idsOf(Object.keys(config.vocab.precision)), badFilters),
    };
    if (badFilters.length) problem("linkFilter", badFilters);
    // The radius menu's choices (a radius the server refuses would fail the nearby search).
    const radii = [...$("radius").options].map((o) => Number(o.value));
    const radius = params.has("r") && radii.includes(Number(params.get("r"))) ? Number(params.get("r")) : P.byName.r.def;
    if (params.has("r") && radius !== Number(params.get("r"))) problem("linkRadius", [params.get("r")], {km: radius / 1000});
    const sorts = ["relevance", "name", "distance"];
    const settings = [];
    if (params.has("sort") && !sorts.includes(sort)) settings.push(sort);
    if (params.has("base") && !baseIds.includes(base)) settings.push(base);
    if (params.has("near") && near && !near.startsWith("site:")) settings.push(near);
    if (settings.length) problem("linkSetting", settings);
    // The static copy has no server to search with (js/data/sites.js hides the box).
    const q = config.staticSite ? "" : P.parse(params, "q");
    if (config.staticSite && P.parse(params, "q")) problem("linkSearchOffline", [P.parse(params, "q")]);
    checkView();
    report([]);  // what is wrong already, before the map is fitted into the room left
    return {
      layers: new Set(layers.length ? layers : config.layers.map((l) => l.id)),
      theme: new Set(filters.theme),
      status: new Set(filters.status),
      precision: new Set(filters.precision),
      school: P.parse(params, "school"),
      q,
      site: P.parse(params, "site") || null,
      near: near.startsWith("site:") ? {kind: "site", id: near.slice(5)} : null,
      radius,
      sort: sorts.includes(sort) ? sort : "relevance",
      base: baseIds.includes(base) ? base : baseIds[0],
      features: [], hits: null, nearHits: null, distances: null, view: 0,
    };
  }

  /* The view the link holds ([lat, lon, zoom]) if it is a place on Earth, or null; a
   * zoom beyond the map's range is brought into it. */
  let view;
  function checkView() {
    if (view !== undefined) return view;
    view = null;
    if (!params.has("view")) return view;
    const text = params.get("view"), parts = text.split(",").map((x) => (x.trim() === "" ? NaN : Number(x)));
    const [lat, lon, zoom] = parts;
    if (parts.length !== 3 || !parts.every(Number.isFinite) || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
      problem("linkView", [text]);
      return view;
    }
    const max = Number.isFinite(map.getMaxZoom()) ? map.getMaxZoom() : 19;
    const z = Math.min(Math.max(zoom, map.getMinZoom() || 0), max);
    if (z !== zoom) problem("linkZoom", [String(zoom)], {zoom: z});
    view = [lat, lon, z];
    return view;
  }
  const linkedView = () => checkView();

  /* Once the sites are in: a linked place or nearby origin the map does not have. */
  function checkSites() {
    const state = app.store.state, byId = app.data.byId;
    if (state.site && !(state.site in byId)) {
      problem(checkView() ? "linkSiteKept" : "linkSite", [state.site]);
      app.store.dispatch("siteSelected", null);
    }
    const near = P.parse(params, "near");
    if (near.startsWith("site:") && !state.near) problem("linkNear", [near.slice(5)]);
    report([]);
  }

  /* Show what the link asked for that could not be used: ONE polite, dismissible notice
   * (role="status", in #link-notice) that lists every problem reported so far, the map's
   * (checkSites) and the planner's (js/planner/trip.js). Text goes in as text nodes. */
  /* Closed, the notice stays closed for this link load: what is reported later (the
   * planner's part comes once /api/trips is in) is corrected in the address all the same,
   * but opens no second notice (docs/frontend.md). */
  let told = 0, closed = false;
  function report(more) {
    if (closed) return;
    problems.push(...more);
    if (problems.length === told) return;
    told = problems.length;
    const region = $("linkNotice"), list = problems.slice();
    const body = list.length === 1 ? el("p", {}, list[0])
      : el("div", {}, el("p", {}, t("linkProblems")), el("ul", {}, ...list.map((x) => el("li", {}, x))));
    const close = el("button", {type: "button", class: "link-notice-close", "aria-label": t("linkNoticeCloseLabel")},
                     t("linkNoticeClose"));
    close.addEventListener("click", () => {
      const hadFocus = document.activeElement === close;
      region.replaceChildren();
      problems.length = 0; told = 0; closed = true;
      map.invalidateSize();
      if (hadFocus) map.getContainer().focus();
    });
    region.replaceChildren(el("div", {class: "link-notice"}, body, close));
    map.invalidateSize();  // the notice takes room above the map
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
    // On the next frame, after this action's own map moves have begun: Leaflet starts an
    // animated zoom on the next frame, so a write now would come before its "movestart"
    // and the move's end would write the address a second time.
    queueMicrotask(() => requestAnimationFrame(flush));
  }
  function flush() {
    queued = false;
    // Mid-pan (a popup's auto-pan, a drag): the "moveend" (action moved) writes it when the map stops.
    if (document.body.hasAttribute("data-map-moving")) return;
    const state = app.store.state;
    app.WebMap.stats.urlWrites++;
    history.replaceState(null, "", "?" + stateParams(state).toString());
    relink();
    app.emit("url");
  }

  /* What follows the address, called after every write of it by whichever part wrote it:
   * the language switch carries the whole address (map and planner parameters) in the
   * other language, and an open share box shows it. */
  function relink() {
    const q = new URLSearchParams(window.location.search);
    q.set("lang", app.lang === "zh" ? "en" : "zh");
    $("langSwitch").href = "?" + q.toString() + window.location.hash;
    if (app.share) app.share.follow();
  }

  // The keys a link carries (and "view": the map moved).
  const KEYS = ["layers", "theme", "status", "precision", "school", "hits", "site", "near", "nearHits",
                "radius", "sort", "base", "view"];
  function onChange(changed) {
    if (app.store.changedAny(changed, KEYS)) write();
  }

  app.WebMap.on("ready", checkSites);
  app.url = {initialState, linkedView, stateParams, write, relink, onChange, report, shown, names, baseIds,
             hasView: params.has("view")};
})(window.WebMapApp);
