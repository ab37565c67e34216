/* Loading the sites: from the page itself (#webmap-sites, while the catalogue is small),
 * else from the API (GeoJSON, or compact columns in cluster mode), or, in a static copy,
 * from the script that sets window.WEBMAP_SITES. Keeps app.data.byId. */
(function (app) {
  "use strict";

  const {$} = window.WebMapIds, {table, el, getJSON} = window.WebMapUtil;
  const config = app.config;

  /* Compact features from /api/columns (one array per property; parses several times
   * faster than GeoJSON at 100,000 sites), as the GeoJSON features the rest expects. */
  function fromColumns(c) {
    const features = new Array(c.count);
    for (let i = 0; i < c.count; i++) {
      const location = {precision: c.precision[i]};
      if (c.uncertainty_m[i] !== null) location.uncertainty_m = c.uncertainty_m[i];
      const properties = {layer: c.layer[i], name: {zh: c.name_zh[i], en: c.name_en[i]}, status: c.status[i],
                          themes: c.themes[i], location};
      if (c.school[i] !== null) properties.school_trip = {suitable: c.school[i]};
      features[i] = {type: "Feature", id: c.id[i], properties,
                     geometry: c.lon[i] === null ? null : {type: "Point", coordinates: [c.lon[i], c.lat[i]]}};
    }
    return {type: "FeatureCollection", features};
  }

  const fromPayload = (d) => (config.cluster ? fromColumns(d) : d);

  /* A search or nearby URL: every hit in pages of 10,000; full features unless clustering. */
  function api(base, params) {
    const q = new URLSearchParams(params);
    q.set("compact", config.cluster ? "1" : "0");  // lists are compact unless asked
    q.set("limit", "10000");  // the most a page holds: few pages even at 100k hits
    return base + "?" + q.toString();
  }

  // A static copy of the site (`webmap build`) ships the sites as a script that sets
  // window.WEBMAP_SITES, because browsers refuse fetch() from file:// pages. Search and
  // the QR code need the server, so a static copy goes without them; nearby and distances
  // are computed from the loaded sites (js/ui/nearby.js).
  //
  // The page carries the sites itself (the same JSON config.sitesUrl answers) while they are
  // few: no request before the first markers. After that, one code path for every size.
  function load() {
    const inline = $("sites");
    if (inline) return new Promise((resolve) => resolve(fromPayload(JSON.parse(inline.textContent))));
    if (!config.sitesScript) return getJSON(config.sitesUrl).then(fromPayload);
    for (const key of ["searchForm", "shareQr", "langSwitch"]) $(key).hidden = true;
    return new Promise((resolve, reject) => {
      const s = el("script", {src: config.sitesScript});
      s.onload = () => resolve(window.WEBMAP_SITES);
      s.onerror = () => reject(new Error("could not load " + config.sitesScript));
      document.head.appendChild(s);
    });
  }

  function index(features) {
    app.data.byId = table();
    for (const f of features) app.data.byId[f.id] = f;
  }

  /* The list's sort keys, worked out once per site (js/ui/list.js calls this on its first
   * render, after the first markers are drawn): f[ORDER.layer], the layer's place in
   * config.layers, and f[ORDER.name], the site's place in name order (pinyin order in
   * Chinese; equal names in catalogue order), both small integers, so sorting the list
   * compares numbers only. Name order is one collator sort of every name, here and
   * nowhere else. (A sort by per-character places, checked pair by pair with the
   * collator, was tried and measured slower: 15 against 8 ms at 20,000 sites.) */
  const ORDER = {layer: Symbol("layerOrder"), name: Symbol("nameOrder")};
  function sortKeys(features, nameOf) {
    const collator = new Intl.Collator(app.lang === "zh" ? "zh-Hans-u-co-pinyin" : "en");
    const layerAt = table(config.layers.map((l, i) => [l.id, i]));
    const n = features.length, names = new Array(n), order = new Array(n);
    for (let i = 0; i < n; i++) {
      features[i][ORDER.layer] = layerAt[features[i].properties.layer];
      names[i] = String(nameOf(features[i]) || "");
      order[i] = i;
    }
    order.sort((a, b) => collator.compare(names[a], names[b]) || a - b);
    for (let r = 0; r < n; r++) features[order[r]][ORDER.name] = r;
  }

  /* Search results by id: rank, matched field and span, and the feature as found (in
   * cluster mode the list's features are compact; a snippet needs the found text). */
  function hitsOf(fc) {
    return new Map(fc.features.map((f, i) => [f.id, Object.assign({rank: i, feature: f}, f.search)]));
  }

  function showLoadError(err) {
    const s = $("status");
    s.textContent = app.i18n.t("loadFailed");  // never the browser's "Failed to fetch"
    s.classList.add("error");
    document.body.setAttribute("data-state", "error");
  }

  app.data = {byId: table(), load, index, api, hitsOf, showLoadError, ORDER, sortKeys};
})(window.WebMapApp);
