/* Nearby: the places within a radius of a site or of the visitor (geodesic distances from
 * the server), and "sort by distance" from the map centre when no nearby search is on. */
(function (app) {
  "use strict";

  const {$} = window.WebMapIds, {km, isApprox, debounce, getAll} = window.WebMapUtil, {t, tr} = app.i18n;
  const config = app.config, map = app.map, state = () => app.store.state;

  /* The nearby hits of {kind: "site", id} or {kind: "me", lon, lat}. */
  function fetchNear(near) {
    if (!config.nearbyUrl) return Promise.resolve(nearInCopy(near, state().radius));
    const where = near.kind === "site" ? {site: near.id} : {lon: near.lon, lat: near.lat};
    return getAll(app.data.api(config.nearbyUrl, {...where, radius: state().radius})).then((fc) => {
      const hits = new Map(fc.features.map((f) => [f.id, f.nearby]));
      if (near.kind === "site") hits.set(near.id, {distance_m: 0, approximate: isApprox(app.data.byId[near.id])});
      return hits;
    });
  }

  /* The static copy (`webmap build`, no server: config.nearbyUrl is null) finds nearby
   * places in the sites it loaded, as /api/nearby does: the located sites within `radius`
   * metres, nearest first (ties in catalogue order), distance in whole metres, approximate
   * when the site's location is; a site's own search lists it first at 0 m. Great-circle
   * (haversine) distances on the mean Earth radius differ from the server's ellipsoid by
   * under 0.5 %, far less than an approximate place's uncertainty. */
  function nearInCopy(near, radius) {
    const origin = near.kind === "site" ? app.data.byId[near.id].geometry.coordinates : [near.lon, near.lat];
    const rad = Math.PI / 180, lat0 = origin[1] * rad, found = [];
    state().features.forEach((f, i) => {
      if (!f.geometry || (near.kind === "site" && f.id === near.id)) return;
      const [lon, lat] = f.geometry.coordinates;
      const a = Math.sin(((lat - origin[1]) * rad) / 2) ** 2
        + Math.cos(lat0) * Math.cos(lat * rad) * Math.sin(((lon - origin[0]) * rad) / 2) ** 2;
      const d = 2 * 6371008.8 * Math.asin(Math.min(1, Math.sqrt(a)));
      if (d <= radius) found.push([d, i, f]);
    });
    found.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    const hits = new Map(found.map(([d, , f]) => [f.id, {distance_m: Math.round(d), approximate: isApprox(f)}]));
    if (near.kind === "site") return new Map([[near.id, {distance_m: 0, approximate: isApprox(app.data.byId[near.id])}], ...hits]);
    return hits;
  }

  /* A user asked for the places near something: show them, sorted by distance. A nearby
   * search replaces the text search (kept, "places near here" would list only the places
   * that also match it: often just the place itself). */
  function find(near) {
    fetchNear(near).then((hits) => {
      app.search.clear();
      app.store.dispatch("nearFound", {near, hits, sort: "distance"});
      map.closePopup();
      app.store.flush();  // the markers follow before the map fits them
      app.selection.fitTo([...hits.keys()]);
    }).catch(app.data.showLoadError);
  }

  /* On load: the nearby search of the link, if its site is on the map (else none). */
  function restore() {
    const near = state().near, f = near && app.data.byId[near.id];
    if (!f || !f.geometry) { app.store.dispatch("nearCleared"); return null; }
    return fetchNear(near).then((hits) => app.store.dispatch("nearFound", {near, hits}));
  }

  /* Distances for "sort by distance" when no nearby search is active: from the map centre. */
  const fetchCentreDistances = debounce(() => {
    if (state().sort !== "distance" || state().near) return;
    const c = map.getCenter();
    if (!config.nearbyUrl) { app.store.dispatch("distancesFound", nearInCopy({kind: "me", lon: c.lng, lat: c.lat}, 100000)); return; }
    getAll(app.data.api(config.nearbyUrl, {lon: c.lng.toFixed(5), lat: c.lat.toFixed(5), radius: 100000})).then((fc) => {
      app.store.dispatch("distancesFound", new Map(fc.features.map((f) => [f.id, f.nearby])));
    }).catch(app.data.showLoadError);
  }, 250);

  function say(text) { $("nearLabel").textContent = text; $("nearStatus").hidden = false; }

  function init() {
    $("nearClear").addEventListener("click", () => app.store.dispatch("nearCleared"));
    $("radius").value = String(state().radius);
    $("radius").addEventListener("change", () => {
      app.store.dispatch("radiusChosen", Number($("radius").value));
      if (state().near) find(state().near);
    });
    $("nearMe").addEventListener("click", () => {
      if (!navigator.geolocation) { say(t("geoUnavailable")); return; }
      navigator.geolocation.getCurrentPosition(
        (pos) => find({kind: "me", lon: +pos.coords.longitude.toFixed(5), lat: +pos.coords.latitude.toFixed(5)}),
        () => say(t("geoDenied")),
        {timeout: 10000, maximumAge: 60000});
    });
    $("sort").value = state().sort;
    $("sort").addEventListener("change", () => app.store.dispatch("sortChosen", $("sort").value));
  }

  function onChange(changed) {
    const s = state();
    if (changed.has("near") || changed.has("nearHits")) {
      if (s.near && s.nearHits) {
        const place = s.near.kind === "site" ? tr(app.data.byId[s.near.id].properties.name) : t("myLocation");
        say(t("nearOrigin", {km: km(s.radius), place}));
      } else {
        $("nearStatus").hidden = true;
      }
    }
    if (changed.has("sort")) $("sort").value = s.sort;
    if (app.store.changedAny(changed, ["sort", "view", "near"]) && s.sort === "distance" && !s.near) fetchCentreDistances();
  }

  app.nearby = {init, find, restore, onChange};
})(window.WebMapApp);
