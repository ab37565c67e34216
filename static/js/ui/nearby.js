/* Nearby: the places within a radius of a site or of the visitor (geodesic distances from
 * the server), and "sort by distance" from the map centre when no nearby search is on. */
(function (app) {
  "use strict";

  const {$} = window.WebMapIds, {km, isApprox, debounce, getJSON} = window.WebMapUtil, {t, tr} = app.i18n;
  const config = app.config, map = app.map, state = () => app.store.state;

  /* The nearby hits of {kind: "site", id} or {kind: "me", lon, lat}. */
  function fetchNear(near) {
    const where = near.kind === "site" ? {site: near.id} : {lon: near.lon, lat: near.lat};
    return getJSON(app.data.api(config.nearbyUrl, {...where, radius: state().radius})).then((fc) => {
      const hits = new Map(fc.features.map((f) => [f.id, f.nearby]));
      if (near.kind === "site") hits.set(near.id, {distance_m: 0, approximate: isApprox(app.data.byId[near.id])});
      return hits;
    });
  }

  /* A user asked for the places near something: show them, sorted by distance. */
  function find(near) {
    fetchNear(near).then((hits) => {
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
    getJSON(app.data.api(config.nearbyUrl, {lon: c.lng.toFixed(5), lat: c.lat.toFixed(5), radius: 100000})).then((fc) => {
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
