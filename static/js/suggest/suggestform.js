/* The residents' suggestion form (templates/suggest.html): a small map where a tap places
 * the proposed point (the longitude/latitude fields follow, and typing in them moves it),
 * "Use my location" (the only place the page asks for the position: never on its own),
 * photos scaled down to fit the body limit (photos.js), and sending with fetch to
 * POST /api/suggestions. On 201 the visitor goes to the status page; on 4xx the message
 * is shown next to the field the answer names, in the page's language (the config's
 * "problems", from webmap/web/suggest_pages.py). Every text is set with textContent.
 * Without this script the form posts itself to /suggest/<id> (the server's own path). */
(function () {
  "use strict";

  const form = document.getElementById("suggest-form");
  const cfgNode = document.getElementById("suggest-config");
  if (!form || !cfgNode || !window.fetch || !window.FormData) return;
  const cfg = JSON.parse(cfgNode.textContent), msg = cfg.messages;
  const $ = (id) => document.getElementById(id);
  const lon = $("lon"), lat = $("lat"), status = $("suggest-status"), geoStatus = $("geo-status");
  const submit = $("suggest-submit");

  // --- the small map ------------------------------------------------------------
  let map = null, point = null;
  const div = $("point-map");
  if (div && window.WebMapPointMap) map = window.WebMapPointMap.create(div);
  if (map) {
    $("point-map-hint").hidden = false;
    point = window.WebMapPointMap.placer(map, div, lon, lat);
  }
  $("point-buttons").hidden = false;
  $("clear-point").addEventListener("click", () => {
    lon.value = lat.value = "";
    if (point) point.clear();
  });

  // --- "Use my location": the only call to the geolocation API on this page -----
  $("use-my-location").addEventListener("click", () => {
    if (!navigator.geolocation) { geoStatus.textContent = msg.geoUnavailable; return; }
    geoStatus.textContent = msg.locating;
    navigator.geolocation.getCurrentPosition((pos) => {
      const latlng = {lat: pos.coords.latitude, lng: pos.coords.longitude};
      if (point) { point.draw(latlng); map.setView(point.marker().getLatLng(), Math.max(map.getZoom(), 15)); }
      else { lon.value = latlng.lng.toFixed(6); lat.value = latlng.lat.toFixed(6); }
      geoStatus.textContent = msg.located;
    }, (err) => {
      geoStatus.textContent = err && err.code === 1 ? msg.geoDenied : msg.geoUnavailable;
    }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
  });

  // --- the photo picker's own line, in the page's language --------------------------
  const chosen = $("photo-chosen"), none = chosen.textContent;
  $("photo").addEventListener("change", () => {
    const n = ($("photo").files || []).length;
    chosen.textContent = n ? chosen.dataset.some.replace("{n}", String(n)) : none;
  });

  // --- messages next to their fields ---------------------------------------------
  const FIELDS = ["what_is_wrong", "lon", "lat", "photo", "photo_credit", "photo_licence", "contact"];
  function clearErrors() {
    document.querySelectorAll(".suggest-form .field-error, main > .field-error").forEach((span) => {
      span.textContent = ""; span.hidden = true;
    });
    FIELDS.forEach((name) => { const input = $(name); if (input) input.removeAttribute("aria-invalid"); });
  }
  function problem(field, error) {
    const message = String(error.message || "");
    for (const [needle, text] of (cfg.problems[field] || [])) {
      if (message.includes(needle) || error.code === needle) return text;
    }
    return message.startsWith(field + ": ") ? message.slice(field.length + 2) : message;
  }
  function showError(error) {
    let field = error.field;
    if (error.code === "request_entity_too_large") field = "photo";
    if (!FIELDS.includes(field)) field = "form";
    const span = $("error-" + field);
    span.textContent = problem(field, error);
    span.hidden = false;
    status.textContent = "";
    const input = $(field);
    if (input) { input.setAttribute("aria-invalid", "true"); input.focus(); } else span.scrollIntoView({block: "center"});
  }

  // --- sending ------------------------------------------------------------------------
  async function body() {
    const data = new FormData(form);
    data.delete("photo");
    const files = Array.from($("photo").files || []);
    if (files.length > cfg.maxPhotos) throw {field: "photo", code: "too_many", message: msg.tooManyPhotos};
    if (files.length) {
      status.textContent = msg.shrinking;
      let text = 0;  // room for the text fields and the multipart framing
      data.forEach((v) => { text += String(v).length * 3 + 200; });
      const budget = Math.max(64 * 1024, cfg.maxBody - text - 16 * 1024);
      const fitted = await window.WebMapSuggestPhotos.fit(files, {budget, edge: cfg.photoEdge, quality: cfg.photoQuality});
      fitted.forEach((p) => data.append("photo", p.blob, p.name));
    }
    return data;
  }
  function statusPage(link) {
    const to = new URL(link, window.location.href);
    if (cfg.lang !== "zh") to.searchParams.set("lang", cfg.lang);
    return to.pathname + to.search;
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors();
    submit.disabled = true;
    try {
      const data = await body();
      status.textContent = msg.sending;
      const headers = {Accept: "application/json"};
      const csrf = document.querySelector("meta[name=csrf-token]");
      if (csrf) headers["X-CSRFToken"] = csrf.content;
      const resp = await fetch(cfg.api, {method: "POST", body: data, headers, credentials: "same-origin"});
      let answer = null;
      try { answer = await resp.json(); } catch (err) { answer = null; }
      if (resp.status === 201 && answer && answer.status_page) {
        window.location.assign(statusPage(answer.status_page));
        return;
      }
      showError((answer && answer.error) || {field: "form", message: msg.failed});
    } catch (err) {
      showError(err && err.field ? err : {field: "form", message: msg.failed});
    }
    submit.disabled = false;
  });

  // For tests: the proposed point drawn now.
  window.WebMapSuggestForm = {map, point: () => (point && point.marker() ? point.marker().getLatLng() : null)};
})();
