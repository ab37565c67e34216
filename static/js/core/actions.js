/* The named actions of the map's store (js/core/store.js): the ONLY code that changes
 * app.store.state. Each takes (state, payload) and returns the keys it changed.
 *
 * The state (also WebMap.state; other scripts read it, never write it):
 *   layers, theme, status, precision: Sets of ids    school: bool    q: search text
 *   site: selected id | null    near: {kind: "site", id} | {kind: "me", lon, lat} | null
 *   radius: metres    sort: "relevance" | "name" | "distance"    base: basemap id
 *   features: the sites (set once)    hits: search hits Map | null
 *   nearHits: nearby hits Map | null    distances: Map id -> {distance_m, approximate} | null
 *   view: bumped when the map has moved (the map itself holds centre and zoom)
 */
(function (app) {
  "use strict";

  const SETS = ["theme", "status", "precision"];

  app.actions = {
    loaded(s, features) { s.features = features; return ["features"]; },

    /* A filter box ticked or unticked (layers go through layerShown/layerHidden). */
    filterToggled(s, {facet, value, on}) {
      if (facet === "school") { if (s.school === on) return []; s.school = on; return ["school"]; }
      if (s[facet].has(value) === on) return [];
      if (on) s[facet].add(value); else s[facet].delete(value);
      return [facet];
    },
    layerShown(s, id) { if (s.layers.has(id)) return []; s.layers.add(id); return ["layers"]; },
    layerHidden(s, id) { if (!s.layers.has(id)) return []; s.layers.delete(id); return ["layers"]; },
    filtersCleared(s) {
      SETS.forEach((k) => s[k].clear());
      s.school = false; s.q = ""; s.hits = null;
      s.near = null; s.nearHits = null; s.distances = null;
      return [...SETS, "school", "q", "hits", "near", "nearHits", "distances"];
    },

    /* Typing: the text is kept at once, the list follows when the hits come (searchFound). */
    searchTyped(s, q) { if (s.q === q) return []; s.q = q; return ["q"]; },
    searchFound(s, {q, hits}) { s.q = q; s.hits = hits; return ["q", "hits"]; },
    searchCleared(s) { s.q = ""; s.hits = null; return ["q", "hits"]; },

    /* Nearby: the places within the radius of a site or of the visitor. */
    nearFound(s, {near, hits, sort}) {
      s.near = near; s.nearHits = hits; s.distances = hits;
      const keys = ["near", "nearHits", "distances"];
      if (sort && s.sort !== sort) { s.sort = sort; keys.push("sort"); }
      return keys;
    },
    nearCleared(s) { s.near = null; s.nearHits = null; s.distances = null; return ["near", "nearHits", "distances"]; },
    radiusChosen(s, metres) { s.radius = metres; return ["radius"]; },
    /* Distances from the map centre, for "sort by distance" without a nearby search. */
    distancesFound(s, distances) { s.distances = distances; return ["distances"]; },
    sortChosen(s, sort) { s.sort = sort; return ["sort"]; },

    siteSelected(s, id) { if (s.site === id) return []; s.site = id; return ["site"]; },
    baseChosen(s, id) { if (s.base === id) return []; s.base = id; return ["base"]; },
    moved(s) { s.view++; return ["view"]; },
  };
})(window.WebMapApp);
