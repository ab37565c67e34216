/* The filters: the facets (one row each in FACETS) and the test whether a site passes
 * every filter, the search and the nearby selection. Each site is tested at most once
 * per change of the state (app.filter.passing keeps the answer for markers, clusters,
 * list and WebMap.visibleFeatures alike).
 *
 * Adding a filter: a row in FACETS here (id, values, has), a state key parsed from the
 * URL table (js/params.js, js/core/url.js), filterToggled handles Sets and flags already.
 */
(function (app) {
  "use strict";

  const config = app.config, {t, tr} = app.i18n;

  const FACETS = [
    {id: "layer", values: () => config.layers.map((l) => [l.id, tr(l.name), l]),
     has: (f, v) => f.properties.layer === v},
    {id: "theme", values: () => config.themes.map((x) => [x.id, tr(x.name)]),
     has: (f, v) => (f.properties.themes || []).includes(v)},
    {id: "status", values: () => Object.keys(config.vocab.status).map((k) => [k, tr(config.vocab.status[k])]),
     has: (f, v) => f.properties.status === v},
    {id: "precision", values: () => Object.keys(config.vocab.precision).map((k) => [k, tr(config.vocab.precision[k])]),
     has: (f, v) => f.properties.location.precision === v},
    {id: "school", values: () => [["1", t("schoolSuitable")]],
     has: (f) => !!(f.properties.school_trip && f.properties.school_trip.suitable)},
  ];
  // The state keys that decide whether a site passes (layers aside: they are shown and
  // hidden as whole marker groups).
  const KEYS = ["theme", "status", "precision", "school", "hits", "nearHits"];
  // ... and those that change what is shown at all.
  const SHOWN = ["layers", ...KEYS];

  const SCHOOL_ON = new Set(["1"]), NOTHING = new Set();
  function selected(facet) {
    const state = app.store.state;
    if (facet === "layer") return state.layers;
    if (facet === "school") return state.school ? SCHOOL_ON : NOTHING;
    return state[facet];
  }

  /* Does the site fail this facet? */
  function fails(facet, f) {
    const chosen = selected(facet.id);
    return facet.id === "layer" ? !chosen.has(f.properties.layer)
                                : chosen.size > 0 && ![...chosen].some((v) => facet.has(f, v));
  }
  /* Is it outside the search hits or the nearby selection? */
  function outside(f) {
    const {hits, nearHits} = app.store.state;
    return (hits && !hits.has(f.id)) || (nearHits && !nearHits.has(f.id));
  }

  /* Does a site pass every filter (and search and nearby)? ``skip`` leaves one facet out. */
  function matches(f, skip) {
    app.WebMap.stats.filterRuns++;
    for (const facet of FACETS) if (facet.id !== skip && fails(facet, f)) return false;
    return !outside(f);
  }

  /* Whether each site passes every filter but the layer one: worked out at most once per
   * site per change of the state keys above. The answer is kept on the site itself (two
   * symbol-keyed slots, invisible to JSON and Object.keys) with the generation it was
   * worked out in; the generation moves when store.revision(KEYS), a number, moves, and
   * that is only looked at when the store changed at all (store.changes()). */
  const GEN = Symbol("filterGen"), PASS = Symbol("filterPass");
  let gen = 0, revFor = -1, changesFor = -1;
  function generation() {
    const store = app.store, changes = store.changes();
    if (changes !== changesFor) {
      changesFor = changes;
      const rev = store.revision(KEYS);
      if (rev !== revFor) { revFor = rev; gen++; }
    }
    return gen;
  }
  function passing(f) {
    const g = changesFor === app.store.changes() ? gen : generation();
    if (f[GEN] !== g) { f[GEN] = g; f[PASS] = matches(f, "layer"); }
    return f[PASS];
  }
  const visible = (f) => app.store.state.layers.has(f.properties.layer) && passing(f);
  const visibleFeatures = () => app.store.state.features.filter(visible);

  app.filter = {FACETS, KEYS, SHOWN, selected, fails, outside, passing, generation, visible, visibleFeatures};
})(window.WebMapApp);
