/* Yungang District map: markers, popups, list, filters, search, nearby, basemaps and
 * shareable links, on top of the Leaflet map Folium built.
 *
 * Safety rule for this file: data text only ever reaches the page through
 * textContent, setAttribute or DOM nodes handed to Leaflet — never through an HTML
 * string — so a name like "<img onerror=...>" shows literally and never runs.
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("webmap-config").textContent);
  const handles = window.WEBMAP_HANDLES;
  const map = handles.map;
  const lang = config.lang;
  const M = config.messages;
  // Every lookup table keyed by data (ids) has no prototype: an id such as "constructor"
  // or a ?site=__proto__ link must find nothing rather than Object.prototype's members.
  const table = (entries) => Object.assign(Object.create(null), Object.fromEntries(entries || []));
  const layersById = table(config.layers.map((l) => [l.id, l]));
  const $ = (id) => document.getElementById(id);
  const phone = window.matchMedia("(max-width: 760px)").matches;

  /* ---------------------------------------------------------------- helpers */

  /* el("p", {class: "x"}, "text", childNode, ...): strings become text nodes. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : v);
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }
  const tr = (text) => (text ? text[lang] : "");
  const other = (text) => (text ? text[lang === "zh" ? "en" : "zh"] : "");
  function t(key, vars) {
    return (M[key] || key).replace(/\{(\w+)\}/g, (_, k) => (vars && k in vars ? String(vars[k]) : ""));
  }
  function url(template, values) {
    return Object.keys(values).reduce((u, k) => u.replace("__" + k + "__", encodeURIComponent(values[k])), template);
  }
  const km = (metres) => (metres / 1000).toFixed(metres < 10000 ? 1 : 0);
  const isApprox = (f) => f.properties.location.precision !== "site";
  function debounce(fn, ms) {
    let timer = null;
    return function (...args) { clearTimeout(timer); timer = setTimeout(() => fn.apply(this, args), ms); };
  }
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
  /* An API URL with query parameters; in cluster mode features come compact. */
  function api(base, params) {
    const q = new URLSearchParams(params);
    if (config.cluster) q.set("compact", "1");
    return base + "?" + q.toString();
  }
  function getJSON(u) {
    return fetch(u, {headers: {Accept: "application/json"}}).then((r) => {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    });
  }
  /* Text with the characters [start, end) wrapped in <mark>. */
  function marked(text, start, end) {
    if (start === undefined || start < 0 || end <= start) return document.createTextNode(text);
    const span = el("span", {});
    span.append(text.slice(0, start), el("mark", {}, text.slice(start, end)), text.slice(end));
    return span;
  }

  /* --------------------------------------------------------------- state */

  // Every URL parameter is parsed through the one table in js/params.js.
  const P = window.WebMapParams, params = new URLSearchParams(window.location.search);
  const baseIds = config.basemaps.map((b) => b.id);
  const baseCrs = table(config.basemaps.map((b) => [b.id, b.crs]));
  const near = P.parse(params, "near"), sort = P.parse(params, "sort"), base = P.parse(params, "base");
  const state = {
    layers: new Set(params.has("layers") ? P.parse(params, "layers").filter((x) => x in layersById)
                                           : config.layers.map((l) => l.id)),
    theme: new Set(P.parse(params, "theme")),
    status: new Set(P.parse(params, "status")),
    precision: new Set(P.parse(params, "precision")),
    school: P.parse(params, "school"),
    q: P.parse(params, "q"),
    site: P.parse(params, "site") || null,
    near: near.startsWith("site:") ? {kind: "site", id: near.slice(5)} : null,  // | {kind: "me", lon, lat}
    radius: P.parse(params, "r"),
    sort: ["relevance", "name", "distance"].includes(sort) ? sort : "relevance",
    base: baseIds.includes(base) ? base : baseIds[0],
  };
  let features = [], byId = table(), searchHits = null, nearHits = null, distances = null, offsets = table();
  const markers = table(), circles = [];
  // Cluster mode (large catalogues, see docs/scale.md): the page holds compact features,
  // draws clusters, and fetches a site's full text when its popup opens.
  const clustered = !!config.cluster;
  const full = table();
  const LIST_MAX = 200;  // list items drawn at once; more is slow on phones and unreadable
  const groups = table(Object.entries(handles.groups)), basemapLayers = table(Object.entries(handles.basemaps));

  /* The page's small extension API: other scripts (loaded after this one) use it to add
   * controls to popups or react when the data is in, without editing this file.
   *   WebMap.on("ready", fn(features, markers))      once, after the markers are drawn
   *   WebMap.on("popup", fn(rootElement, feature))    each time a popup is built
   *   WebMap.on("change", fn(state))                  after filters, search or view change
   *   WebMap.on("list", fn())                         after the list has been redrawn
   *   WebMap.on("url", fn())                          after the address bar was rewritten (once per action)
   */
  const listeners = {ready: [], popup: [], change: [], list: [], url: []};
  const WebMap = (window.WebMap = {
    map, config, el, t, tr, state, features: [], markers,
    // "ready" is remembered: a script that registers after the data came in (the data
    // is preloaded, so it can beat a later <script>) is called at once.
    on: (event, fn) => { listeners[event].push(fn); if (event === "ready" && readyArgs) fn(...readyArgs); },
    visibleFeatures: () => features.filter(visible),
    // How far a marker is fanned out from its site's point, in screen pixels [x, y]
    // (several sites can share one approximate point); [0, 0] when it is not.
    markerOffset: (id) => offsets[id] || [0, 0],
    // Counters a test (or a curious developer) can read: filter tests and URL writes so far.
    stats: {filterRuns: 0, urlWrites: 0},
  });
  let readyArgs = null;
  const emit = (event, ...args) => {
    if (event === "ready") readyArgs = args;
    listeners[event].forEach((fn) => fn(...args));
  };

  /* ----------------------------------------------------- GCJ-02 (AMap) */

  // AMap tiles are drawn in GCJ-02; while they are shown, every overlay is shifted
  // with gcoord so that markers stay on the right spot. Data stays WGS-84.
  const gcj = () => baseCrs[state.base] === "gcj02";
  function display(lon, lat) {
    if (!gcj()) return L.latLng(lat, lon);
    const [x, y] = window.gcoord.transform([lon, lat], window.gcoord.WGS84, window.gcoord.GCJ02);
    return L.latLng(y, x);
  }
  const outlineOriginal = [];
  handles.outline.eachLayer((layer) => outlineOriginal.push([layer, layer.getLatLngs()]));
  function shiftLatLngs(latlngs) {
    return Array.isArray(latlngs) ? latlngs.map(shiftLatLngs) : display(latlngs.lng, latlngs.lat);
  }
  function reproject() {
    outlineOriginal.forEach(([layer, latlngs]) => layer.setLatLngs(shiftLatLngs(latlngs)));
    for (const f of features) {
      if (markers[f.id]) markers[f.id].setLatLng(display(...f.geometry.coordinates));
    }
    circles.forEach((c) => c.circle.setLatLng(display(...c.lonlat)));
    if (clustered) renderClusters();
  }
  const latlngOf = (id) => (markers[id] ? markers[id].getLatLng() : display(...byId[id].geometry.coordinates));

  /* ------------------------------------------------------------ markers */

  /* Several places can share one approximate point (e.g. the Heng'an New District proxy).
   * Fan them out around it in screen pixels, so each can be tapped; the point itself and
   * its uncertainty circle stay where the data puts them. */
  function fanOffsets(located) {
    // Keyed by the numbers themselves (a Map per longitude): turning 100,000 coordinate
    // pairs into strings took longer than clustering them.
    const byLon = new Map(), offsets = table();
    for (const f of located) {
      const [lon, lat] = f.geometry.coordinates;
      let byLat = byLon.get(lon);
      if (!byLat) byLon.set(lon, (byLat = new Map()));
      const ids = byLat.get(lat);
      if (ids) ids.push(f.id); else byLat.set(lat, [f.id]);
    }
    for (const byLat of byLon.values()) {
      for (const ids of byLat.values()) {
        if (ids.length < 2) continue;
        const n = ids.length, r = 16 + 5 * n;
        ids.forEach((id, i) => {
          const a = (2 * Math.PI * i) / n - Math.PI / 2;
          offsets[id] = [Math.round(r * Math.cos(a)), Math.round(r * Math.sin(a))];
        });
      }
    }
    return offsets;
  }

  function markerIcon(f, layer, offset) {
    const node = el("span", {class: "site-marker" + (isApprox(f) ? " approx" : ""), "data-site-id": f.id,
                             "data-layer": f.properties.layer, "data-precision": f.properties.location.precision},
                    layer.icon);
    node.style.setProperty("--layer", layer.colour);
    // A 44 px box (thumb-sized tap target) around a 34 px disc.
    return L.divIcon({html: node, className: "site-marker-wrap", iconSize: [44, 44],
                      iconAnchor: [22 - offset[0], 22 - offset[1]], popupAnchor: [offset[0], offset[1] - 16]});
  }

  /* Keep popups clear of the map controls and, on phones, of the bottom sheet. */
  function popupOptions() {
    const mapBox = map.getContainer().getBoundingClientRect();
    const sheet = phone ? $("sidebar").getBoundingClientRect().height : 0;
    const top = phone ? 110 : 16;
    return {maxWidth: Math.min(340, window.innerWidth - 48),
            maxHeight: Math.max(180, Math.round(mapBox.height - sheet - top - 60)),
            autoPanPaddingTopLeft: [16, top], autoPanPaddingBottomRight: [16, sheet + 16],
            className: "site-popup"};
  }

  function addMarker(f, offset, circleIndex) {
    const p = f.properties, layer = layersById[p.layer];
    const [lon, lat] = f.geometry.coordinates;
    if (isApprox(f) && circleIndex) {
      const key = [p.layer, lon, lat, p.location.uncertainty_m].join("|");
      let c = circleIndex[key];
      if (!c) {
        c = circleIndex[key] = {
          layer: p.layer, lonlat: [lon, lat], ids: [],
          circle: L.circle(display(lon, lat), {radius: p.location.uncertainty_m, color: layer.colour, weight: 1.5,
                                               dashArray: "5 5", fillColor: layer.colour, fillOpacity: 0.08,
                                               interactive: false, className: "uncertainty uncertainty-" + p.layer}),
        };
        circles.push(c);
      }
      c.ids.push(f.id);
    }
    const name = tr(p.name) + (isApprox(f) ? "（" + t("approxShort") + "）" : "");
    const marker = L.marker(display(lon, lat), {icon: markerIcon(f, layer, offset), title: name, keyboard: true,
                                                riseOnHover: true});
    marker.bindPopup(() => popupFor(f, marker), popupOptions());
    marker.on("add", () => {
      const node = marker.getElement();
      if (node) node.setAttribute("aria-label", tr(layer.name) + "：" + name);
    });
    marker.on("popupopen", () => selectSite(f.id, false));
    marker.on("popupclose", () => { if (state.site === f.id) selectSite(null, false); });
    markers[f.id] = marker;
    return marker;
  }

  /* ------------------------------------------------------------ clusters */

  // One Supercluster index over the sites that pass every filter (so counts are exact),
  // rebuilt when the filters change; only what is in view is drawn. Each cluster counts
  // its sites per layer and shows the mix as a ring in the layers' colours.
  const CLUSTER_MAX_ZOOM = 16;  // from zoom 17 on, every site has its own marker
  let clusterIndex = null, singles = new Set();
  const clusterLayer = L.layerGroup().addTo(map), clusterMarkers = [];
  function buildClusters() {
    clusterIndex = new window.Supercluster({
      radius: 80, maxZoom: CLUSTER_MAX_ZOOM,
      map: (p) => ({byLayer: config.layers.map((l) => (l.id === p.layer ? 1 : 0))}),
      reduce: (acc, p) => { for (let i = 0; i < acc.byLayer.length; i++) acc.byLayer[i] += p.byLayer[i]; },
    }).load(features.filter((f) => f.geometry && visible(f)));
  }
  function clusterIcon(n, byLayer) {
    const label = n >= 10000 ? Math.round(n / 1000) + "k" : n >= 1000 ? (n / 1000).toFixed(1) + "k" : String(n);
    const size = n >= 1000 ? 56 : n >= 100 ? 50 : 44;
    let at = 0;
    const stops = config.layers.map((l, i) => {
      const from = at;
      at += (360 * byLayer[i]) / n;
      return `${l.colour} ${from.toFixed(1)}deg ${at.toFixed(1)}deg`;
    });
    const node = el("span", {class: "site-cluster", "data-count": String(n)}, el("span", {}, label));
    node.style.setProperty("background", `conic-gradient(${stops.join(", ")})`);
    return L.divIcon({html: node, className: "site-cluster-wrap", iconSize: [size, size]});
  }
  function renderClusters() {
    clusterMarkers.splice(0).forEach((m) => clusterLayer.removeLayer(m));
    if (!clusterIndex) return;
    const b = map.getBounds().pad(0.25);
    // The index holds WGS-84; under AMap tiles the screen is GCJ-02, a few hundred
    // metres off, which the padding covers.
    const bbox = [Math.max(-180, b.getWest()), Math.max(-85, b.getSouth()),
                  Math.min(180, b.getEast()), Math.min(85, b.getNorth())];
    const wanted = new Set();
    for (const c of clusterIndex.getClusters(bbox, map.getZoom())) {
      if (!c.properties.cluster) {  // a site on its own: the feature itself
        wanted.add(c.id);
        const marker = markers[c.id] || addMarker(c, offsets[c.id] || [0, 0], null);
        const group = groups[c.properties.layer];
        if (!group.hasLayer(marker)) group.addLayer(marker);
        continue;
      }
      const n = c.properties.point_count, [lon, lat] = c.geometry.coordinates;
      const title = t("clusterTitle", {n});
      const marker = L.marker(display(lon, lat), {icon: clusterIcon(n, c.properties.byLayer), keyboard: true, title});
      marker.on("add", () => marker.getElement().setAttribute("aria-label", title));
      marker.on("click", () => {
        const z = Math.min(clusterIndex.getClusterExpansionZoom(c.properties.cluster_id), map.getMaxZoom());
        map.setView(marker.getLatLng(), z);
      });
      clusterLayer.addLayer(marker);
      clusterMarkers.push(marker);
    }
    for (const id of singles) {
      if (!wanted.has(id) && markers[id]) groups[byId[id].properties.layer].removeLayer(markers[id]);
    }
    singles = wanted;
  }

  /* -------------------------------------------------------------- popups */

  /* In cluster mode the page holds compact features: the full one is fetched when its
   * popup first opens. */
  function popupFor(f, marker) {
    if (!clustered || f.properties.summary) return popupContent(f);  // a static copy has it all
    if (full[f.id]) return popupContent(full[f.id]);
    getJSON(url(config.siteApiUrl, {ID: f.id})).then((whole) => {
      full[f.id] = whole;
      if (marker.isPopupOpen()) marker.setPopupContent(popupContent(whole));
    }).catch(showLoadError);
    return el("p", {class: "popup-loading", role: "status"}, t("loading"));
  }

  function popupContent(f) {
    const p = f.properties, layer = layersById[p.layer], status = config.vocab.status[p.status];
    const root = el("article", {class: "popup", "data-site-id": f.id});
    const chip = el("p", {class: "chip"}, el("span", {class: "chip-icon", "aria-hidden": "true"}, layer.icon),
                    tr(layer.name));
    chip.style.setProperty("--layer", layer.colour);
    root.append(chip,
      el("h2", {class: "popup-title", tabindex: "-1"}, tr(p.name)),
      el("p", {class: "subtitle", lang: lang === "zh" ? "en" : "zh-CN"}, other(p.name)),
      el("p", {class: "meta"}, el("span", {class: "status status-" + p.status}, tr(status))));
    if (isApprox(f)) {
      root.append(el("p", {class: "approx-note"},
        t("approxNote", {precision: tr(config.vocab.precision[p.location.precision]),
                         km: km(p.location.uncertainty_m)}),
        p.location.note ? el("span", {class: "approx-detail"}, " " + tr(p.location.note)) : null));
    }
    root.append(el("p", {class: "summary"}, tr(p.summary)));
    if (p.facts && p.facts.length) {
      const dl = el("dl", {class: "facts"});
      p.facts.forEach((fact) => dl.append(el("div", {}, el("dt", {}, tr(fact.label)),
                                                 el("dd", {}, fact.value + (fact.unit ? " " + tr(fact.unit) : "")))));
      root.append(dl);
    }
    (p.photos || []).forEach((ph) => {
      const fig = el("figure", {class: "photo"});
      if (ph.file) {
        fig.append(el("a", {href: url(config.photoUrl, {SIZE: "full", NAME: ph.file}), target: "_blank",
                            rel: "noopener"},
          el("img", {src: url(config.photoUrl, {SIZE: "thumb", NAME: ph.file}), alt: tr(ph.caption),
                     loading: "lazy"})));
      } else {
        fig.append(el("div", {class: "photo-missing", "aria-hidden": "true"}, t("photoMissing")));
      }
      fig.append(el("figcaption", {}, tr(ph.caption), el("br"), el("small", {}, tr(ph.credit))));
      root.append(fig);
    });
    root.append(el("p", {class: "source"}, t("source", {section: tr(p.article_section)})));
    const nearBtn = el("button", {type: "button", class: "secondary near-this"}, t("nearThis"));
    nearBtn.addEventListener("click", () => setNear({kind: "site", id: f.id}));
    root.append(el("p", {class: "more"}, el("a", {href: url(config.sitePageUrl, {ID: f.id})}, t("details") + " →"),
                    nearBtn));
    root.addEventListener("keydown", (e) => {
      if (e.key === "Escape") { map.closePopup(); focusListItem(f.id); }
    });
    emit("popup", root, f);
    return root;
  }

  /* ------------------------------------------------------------- filters */

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
  const SCHOOL_ON = new Set(["1"]), NOTHING = new Set();
  function selected(facet) {
    if (facet === "layer") return state.layers;
    if (facet === "school") return state.school ? SCHOOL_ON : NOTHING;
    return state[facet];
  }

  /* Does a site pass every filter (and the search and nearby selections)?
   * ``skip`` leaves one facet out, for that facet's live counts. */
  function matches(f, skip) {
    WebMap.stats.filterRuns++;
    for (const facet of FACETS) {
      if (facet.id === skip) continue;
      const chosen = selected(facet.id);
      if (facet.id === "layer" ? !chosen.has(f.properties.layer)
                               : chosen.size && ![...chosen].some((v) => facet.has(f, v))) return false;
    }
    if (searchHits && !searchHits.has(f.id)) return false;
    if (nearHits && !nearHits.has(f.id)) return false;
    return true;
  }

  /* Whether each site passes every filter but the layer one (layers are shown and hidden
   * as whole marker groups): worked out at most once per site per apply(). */
  let passes = new Map();
  function passing(f) {
    let v = passes.get(f.id);
    if (v === undefined) passes.set(f.id, (v = matches(f, "layer")));
    return v;
  }
  const visible = (f) => state.layers.has(f.properties.layer) && passing(f);

  function renderFacets() {
    const box = $("facets");
    box.textContent = "";
    for (const facet of FACETS) {
      const fs = el("fieldset", {"data-facet": facet.id}, el("legend", {}, t("facet_" + facet.id)));
      const ul = el("ul", {class: "facet-list" + (facet.id === "layer" ? " legend" : ""),
                           id: facet.id === "layer" ? "legend" : null});
      for (const [value, label, layer] of facet.values()) {
        const id = "f-" + facet.id + "-" + value;
        const input = el("input", {type: "checkbox", id, value, "data-facet": facet.id});
        input.addEventListener("change", () => toggleFacet(facet.id, value, input.checked));
        const labelEl = el("label", {for: id});
        if (layer) {
          const swatch = el("span", {class: "chip-icon", "aria-hidden": "true"}, layer.icon);
          swatch.style.setProperty("--layer", layer.colour);
          labelEl.append(swatch);
        }
        labelEl.append(el("span", {class: "facet-name"}, label), el("span", {class: "count"}, "0"));
        ul.append(el("li", {"data-layer": layer ? value : null, "data-value": value}, input, labelEl));
      }
      fs.append(ul);
      box.append(fs);
    }
  }

  /* Live counts: for each facet value, the sites that would match if that facet alone
   * were left out. One pass: a site failing no facet counts everywhere, a site failing
   * exactly one counts only for that one. */
  function updateFacetCounts() {
    const values = FACETS.map((facet) => facet.values().map((v) => v[0]));
    const counts = FACETS.map(() => table());
    const fails = (facet, f) => {
      const chosen = selected(facet.id);
      return facet.id === "layer" ? !chosen.has(f.properties.layer)
                                  : chosen.size > 0 && ![...chosen].some((v) => facet.has(f, v));
    };
    for (const f of features) {
      if ((searchHits && !searchHits.has(f.id)) || (nearHits && !nearHits.has(f.id))) continue;
      let failed = -1, nFailed = 0;
      for (let i = 0; i < FACETS.length && nFailed < 2; i++) if (fails(FACETS[i], f)) { failed = i; nFailed++; }
      if (nFailed > 1) continue;
      FACETS.forEach((facet, i) => {
        if (nFailed === 1 && i !== failed) return;
        for (const v of values[i]) if (facet.has(f, v)) counts[i][v] = (counts[i][v] || 0) + 1;
      });
    }
    let active = 0;
    FACETS.forEach((facet, i) => {
      const chosen = selected(facet.id);
      for (const li of document.querySelectorAll(`fieldset[data-facet="${facet.id}"] li`)) {
        const n = counts[i][li.dataset.value] || 0;
        li.querySelector(".count").textContent = String(n);
        li.querySelector("input").checked = chosen.has(li.dataset.value);
        li.classList.toggle("empty", n === 0);
      }
      active += facet.id === "layer" ? config.layers.length - state.layers.size : chosen.size;
    });
    $("filter-count").textContent = String(active);
    $("filter-count").hidden = active === 0;
  }

  function toggleFacet(facet, value, on) {
    if (facet === "layer") {
      const group = groups[value];
      // Through the map, so Leaflet's layer control stays in step (see overlayadd below).
      if (on) map.addLayer(group); else map.removeLayer(group);
      return;
    }
    if (facet === "school") state.school = on;
    else if (on) state[facet].add(value); else state[facet].delete(value);
    apply();
  }

  const groupLayer = (group) => Object.keys(groups).find((k) => groups[k] === group);
  // Leaflet fires these while it is still adding or removing the group (a removed group
  // still has its map), so the markers are re-sorted only once it has finished.
  map.on("overlayadd", (e) => { const id = groupLayer(e.layer); if (id) { state.layers.add(id); queueMicrotask(apply); } });
  map.on("overlayremove", (e) => {
    const id = groupLayer(e.layer);
    if (id) { state.layers.delete(id); queueMicrotask(apply); }
  });

  $("clear-filters").addEventListener("click", () => {
    state.theme.clear(); state.status.clear(); state.precision.clear(); state.school = false;
    config.layers.forEach((l) => { if (!state.layers.has(l.id)) map.addLayer(groups[l.id]); });
    $("search").value = ""; state.q = ""; searchHits = null;
    clearNear();
    apply();
  });

  /* -------------------------------------------------------------- search */

  const runSearch = debounce(() => {
    const q = $("search").value.trim();
    state.q = q;
    if (!q) { searchHits = null; apply(); return; }
    getJSON(api(config.searchUrl, {q: q.slice(0, 100)}))
      .then((fc) => {
        if (state.q !== q) return;  // a newer query is on its way
        searchHits = hitsOf(fc);
        apply();
      })
      .catch(showLoadError);
  }, 200);
  $("search").addEventListener("input", runSearch);
  document.querySelector(".skip-link").addEventListener("click", (e) => { e.preventDefault(); $("search").focus(); });
  $("search-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const first = document.querySelector("#site-list button");
    if (first) first.focus();
  });

  /* Search results by id: rank, matched field and span, and the feature as found (in
   * cluster mode the list's features are compact; a snippet needs the found text). */
  function hitsOf(fc) {
    return new Map(fc.features.map((f, i) => [f.id, Object.assign({rank: i, feature: f}, f.search)]));
  }
  function fieldText(f, path) {
    return path.split(".").reduce((o, k) => (o == null ? o : o[k]), f.properties);
  }

  /* ------------------------------------------------------------- nearby */

  function setNear(near) {
    state.near = near;
    const where = near.kind === "site" ? {site: near.id} : {lon: near.lon, lat: near.lat};
    getJSON(api(config.nearbyUrl, {...where, radius: state.radius})).then((fc) => {
      nearHits = new Map(fc.features.map((f) => [f.id, f.nearby]));
      if (near.kind === "site") nearHits.set(near.id, {distance_m: 0, approximate: isApprox(byId[near.id])});
      distances = nearHits;
      state.sort = "distance";
      $("sort").value = "distance";
      const place = near.kind === "site" ? tr(byId[near.id].properties.name) : t("myLocation");
      $("near-label").textContent = t("nearOrigin", {km: km(state.radius), place});
      $("near-status").hidden = false;
      map.closePopup();
      apply();
      fitTo([...nearHits.keys()]);
    }).catch(showLoadError);
  }
  function clearNear() {
    state.near = null; nearHits = null; distances = null;
    $("near-status").hidden = true;
  }
  $("near-clear").addEventListener("click", () => { clearNear(); apply(); });
  $("radius").value = String(state.radius);
  $("radius").addEventListener("change", () => {
    state.radius = Number($("radius").value);
    if (state.near) setNear(state.near); else writeUrl();
  });
  $("near-me").addEventListener("click", () => {
    const say = (msg) => { $("near-label").textContent = msg; $("near-status").hidden = false; };
    if (!navigator.geolocation) { say(t("geoUnavailable")); return; }
    navigator.geolocation.getCurrentPosition(
      (pos) => setNear({kind: "me", lon: +pos.coords.longitude.toFixed(5), lat: +pos.coords.latitude.toFixed(5)}),
      () => say(t("geoDenied")),
      {timeout: 10000, maximumAge: 60000});
  });

  /* Distances for "sort by distance" when no nearby search is active: geodesic
   * distances (pyproj, on the server) from the map centre. */
  const fetchCentreDistances = debounce(() => {
    if (state.sort !== "distance" || state.near) return;
    const c = map.getCenter();
    getJSON(api(config.nearbyUrl, {lon: c.lng.toFixed(5), lat: c.lat.toFixed(5), radius: 100000})).then((fc) => {
      distances = new Map(fc.features.map((f) => [f.id, f.nearby]));
      renderList();
    }).catch(showLoadError);
  }, 250);
  $("sort").addEventListener("change", () => {
    state.sort = $("sort").value;
    if (state.sort === "distance" && !state.near) fetchCentreDistances(); else renderList();
    writeUrl();
  });

  /* ---------------------------------------------------------------- list */

  function compare(a, b) {
    if (state.sort === "distance" && distances) {
      const da = distances.get(a.id), db = distances.get(b.id);
      return (da ? da.distance_m : Infinity) - (db ? db.distance_m : Infinity);
    }
    if (state.sort === "relevance" && searchHits) return searchHits.get(a.id).rank - searchHits.get(b.id).rank;
    if (state.sort === "relevance") {
      const la = config.layers.indexOf(layersById[a.properties.layer]);
      const lb = config.layers.indexOf(layersById[b.properties.layer]);
      if (la !== lb) return la - lb;
    }
    return nameRank().get(a.id) - nameRank().get(b.id);
  }
  // Every site's place in name order (pinyin order in Chinese), sorted once: comparing
  // names with a collator at each re-render would take seconds at 100,000 sites.
  let ranks = null;
  function nameRank() {
    if (!ranks) {
      const collator = new Intl.Collator(lang === "zh" ? "zh-Hans-u-co-pinyin" : "en");
      const keyed = features.map((f) => [tr(f.properties.name), f.id]);
      keyed.sort((x, y) => collator.compare(x[0], y[0]));
      ranks = new Map(keyed.map(([, id], i) => [id, i]));
    }
    return ranks;
  }

  function listItem(f) {
    const p = f.properties, layer = layersById[p.layer], hit = searchHits && searchHits.get(f.id);
    const icon = el("span", {class: "chip-icon", "aria-hidden": "true"}, layer.icon);
    icon.style.setProperty("--layer", layer.colour);
    const nameField = "name." + lang;
    const name = hit && hit.field === nameField ? marked(tr(p.name), hit.start, hit.end)
                                                : document.createTextNode(tr(p.name));
    const button = el("button", {type: "button", class: "site-button", "data-site-id": f.id},
                      icon, el("span", {class: "site-name"}, name));
    if (hit && hit.field !== nameField) {
      const text = String((hit.text !== undefined ? hit.text : fieldText(hit.feature, hit.field)) || "");
      const from = Math.max(0, hit.start - 12), to = Math.min(text.length, hit.end + 24);
      button.append(el("span", {class: "snippet"}, from > 0 ? "…" : "",
                       marked(text.slice(from, to), hit.start - from, hit.end - from), to < text.length ? "…" : ""));
    }
    const d = distances && distances.get(f.id);
    if (d) {
      const approx = d.approximate || (state.near && state.near.kind === "site" && isApprox(byId[state.near.id]));
      button.append(el("span", {class: "distance" + (approx ? " approx" : "")},
                       t(approx ? "distanceApprox" : "distance", {km: km(d.distance_m)})));
    } else if (isApprox(f)) {
      button.append(el("span", {class: "badge"}, t("approxShort")));
    }
    button.addEventListener("click", () => selectSite(f.id, true));
    return el("li", {"data-site-id": f.id, "aria-current": state.site === f.id ? "true" : null}, button);
  }

  function renderList() {
    const shown = features.filter(visible);
    const bounds = map.getBounds();
    const inView = shown.filter((f) => f.geometry && bounds.contains(latlngOf(f.id))).sort(compare);
    const unlocated = shown.filter((f) => !f.geometry).sort(compare);
    const list = $("site-list");
    // Re-rendering must not take the keyboard focus away from the item it was on.
    const focused = document.activeElement && document.activeElement.closest(".site-list button");
    const focusedId = focused ? focused.dataset.siteId : null;
    list.replaceChildren(...inView.slice(0, LIST_MAX).map(listItem));
    $("list-more").hidden = inView.length <= LIST_MAX;
    $("list-more").textContent = t("listMore", {shown: LIST_MAX, n: inView.length});
    $("unlocated-list").replaceChildren(...unlocated.slice(0, LIST_MAX).map((f) => {
      const li = listItem(f);
      li.querySelector("button").classList.add("unlocated-item");
      return li;
    }));
    if (focusedId) {
      const again = document.querySelector(`.site-list button[data-site-id="${CSS.escape(focusedId)}"]`);
      if (again) again.focus();
    }
    $("unlocated-count").textContent = String(unlocated.length);
    $("unlocated").hidden = unlocated.length === 0;

    const located = shown.filter((f) => f.geometry).length;
    $("results-title").textContent = t("inView", {n: inView.length});
    const nothing = $("nothing-found");
    nothing.hidden = shown.length > 0;
    nothing.textContent = state.q ? t("nothingFound", {q: state.q}) : t("nothingMatches");
    $("status").textContent = (shown.length === features.length ? t("summaryAll", {total: features.length})
                                                                 : t("summary", {shown: shown.length, total: features.length}))
                              + " · " + t("onMap", {n: located});
    const note = $("sort-note");
    note.hidden = !(state.sort === "distance" && !state.near);
    note.textContent = t("sortedByDistanceFrom", {place: t("mapCentre")});
    emit("list");
  }

  /* ------------------------------------------------------------ selection */

  function selectSite(id, fromList) {
    state.site = id;
    document.querySelectorAll(".site-list li[aria-current]").forEach((li) => li.removeAttribute("aria-current"));
    if (id) {
      const li = document.querySelector(`#site-list li[data-site-id="${CSS.escape(id)}"]`);
      if (li) { li.setAttribute("aria-current", "true"); if (!fromList && !phone) li.scrollIntoView({block: "nearest"}); }
    }
    if (fromList && id) {
      const f = byId[id];
      if (!f.geometry) { window.location.href = url(config.sitePageUrl, {ID: id}); return; }
      if (phone) setSheet(false);
      if (clustered && !(markers[id] && map.hasLayer(markers[id]))) {
        // Inside a cluster: zoom in to where it is drawn on its own.
        map.setView(latlngOf(id), Math.max(map.getZoom(), CLUSTER_MAX_ZOOM + 1), {animate: false});
        renderClusters();
      }
      const marker = markers[id];
      if (!map.getBounds().pad(-0.1).contains(marker.getLatLng())) map.setView(marker.getLatLng(), map.getZoom());
      marker.openPopup();
      const title = document.querySelector(".leaflet-popup-content .popup-title");
      if (title) title.focus();
    }
    writeUrl();
  }
  function focusListItem(id) {
    const button = document.querySelector(`#site-list button[data-site-id="${CSS.escape(id)}"]`);
    if (button) button.focus();
  }

  /* --------------------------------------------------------------- apply */

  function apply() {
    passes = new Map();  // the state has changed: every site is tested again, once
    if (clustered) {
      buildClusters();
      renderClusters();
    } else {
      showMatchingMarkers();
    }
    updateFacetCounts();
    renderList();
    writeUrl();
    emit("change", state);
  }

  /* Without clusters every located site has its own marker (and approximate ones a
   * circle), made once: show those that pass the filters. */
  function showMatchingMarkers() {
    for (const f of features) {
      const marker = markers[f.id];
      if (!marker) continue;
      const group = groups[f.properties.layer];
      const show = passing(f);
      if (show && !group.hasLayer(marker)) group.addLayer(marker);
      if (!show && group.hasLayer(marker)) group.removeLayer(marker);
    }
    for (const c of circles) {
      const group = groups[c.layer];
      const show = c.ids.some((id) => passing(byId[id]));
      if (show && !group.hasLayer(c.circle)) group.addLayer(c.circle);
      if (!show && group.hasLayer(c.circle)) group.removeLayer(c.circle);
    }
  }

  function fitTo(ids) {
    const pts = ids.filter((id) => byId[id] && byId[id].geometry).map(latlngOf);
    if (pts.length) map.fitBounds(L.latLngBounds(pts).pad(0.3), {maxZoom: 13, animate: false});
  }

  /* ----------------------------------------------------------------- URL */

  // The URL parameters this script owns (js/params.js); others (the planner's trip=…, embed=1) are kept.
  function stateParams(forLang) {
    const q = new URLSearchParams(window.location.search);
    P.owned("map").forEach((k) => P.write(q, k, null));
    q.set("lang", forLang || lang);
    P.write(q, "layers", state.layers.size !== config.layers.length ? state.layers : null);
    for (const k of ["theme", "status", "precision", "school", "q"]) P.write(q, k, state[k]);
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
  /* Many things ask for the URL to follow the state during one user action (a list click
   * selects, moves the map and opens a popup); it is written once, after all of them. */
  let urlQueued = false;
  function writeUrl() {
    if (!features.length || urlQueued) return;  // not restored yet, or already queued
    urlQueued = true;
    queueMicrotask(flushUrl);
  }
  function flushUrl() {
    urlQueued = false;
    // Mid-pan (a popup's auto-pan, a drag): the "moveend" below writes it when the map stops.
    if (document.body.hasAttribute("data-map-moving")) return;
    WebMap.stats.urlWrites++;
    history.replaceState(null, "", "?" + stateParams().toString());
    $("lang-switch").href = "?" + stateParams(lang === "zh" ? "en" : "zh").toString();
    if (!$("share").hidden) updateShare();
    emit("url");
  }

  /* --------------------------------------------------------------- share */

  function updateShare() {
    // The public address (WEBMAP_PUBLIC_URL) with this view's query, whichever host served the page.
    const base = config.shareUrl || window.location.href.split(/[?#]/)[0];
    const link = base + window.location.search + window.location.hash;
    $("share-url").value = link;
    $("share-qr").src = config.qrUrl + "?url=" + encodeURIComponent(link);
  }
  $("share-button").addEventListener("click", () => {
    const open = $("share").hidden;
    $("share").hidden = !open;
    $("share-button").setAttribute("aria-expanded", String(open));
    if (open) { updateShare(); if (phone) setSheet(true); $("share-url").focus(); $("share-url").select(); }
  });
  $("copy-link").addEventListener("click", () => {
    const done = (msg) => { $("copy-status").textContent = msg; };
    const fallback = () => { $("share-url").select(); done(t("copyFailed")); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText($("share-url").value).then(() => done(t("copied")), fallback);
    } else {
      fallback();
    }
  });

  /* ------------------------------------------------------- phone sheet */

  function setSheet(open) {
    document.body.classList.toggle("sheet-open", open);
    $("sheet-toggle").setAttribute("aria-expanded", String(open));
    $("sheet-label").textContent = open ? t("showMap") : t("showList");
  }
  $("sheet-toggle").addEventListener("click", () => setSheet(!document.body.classList.contains("sheet-open")));

  /* ------------------------------------------------------------ basemaps */

  const baseOf = (layer) => Object.keys(basemapLayers).find((k) => basemapLayers[k] === layer);
  map.on("baselayerchange", (e) => {
    const id = baseOf(e.layer);
    if (!id || id === state.base) return;
    const before = gcj();
    state.base = id;
    if (gcj() !== before) { reproject(); renderList(); }
    writeUrl();
  });

  /* --------------------------------------------------------------- start */

  function showLoadError(err) {
    const s = $("status");
    s.textContent = t("loadFailed") + " (" + err.message + ")";
    s.classList.add("error");
    document.body.setAttribute("data-state", "error");
  }

  function fitOrRestoreView() {
    map.invalidateSize();  // Folium created the map before our layout settled
    const view = (params.get("view") || "").split(",").map(Number);
    if (view.length === 3 && view.every(Number.isFinite)) map.setView([view[0], view[1]], view[2], {reset: true});  // reset: exact, not pixel-rounded
    else fitDistrict();
  }
  function fitDistrict() {
    map.invalidateSize();
    // On phones the bottom sheet covers the lower part of the map: keep the district above it.
    const sheet = phone ? $("sidebar").getBoundingClientRect().height : 0;
    map.fitBounds(config.bounds, {animate: false, paddingTopLeft: [12, 12], paddingBottomRight: [12, 12 + sheet]});
  }

  L.control.scale({imperial: false, position: "bottomright"}).addTo(map);
  renderFacets();
  $("search").value = state.q;
  $("sort").value = state.sort;

  // A static copy of the site (`webmap build`) ships the sites as a script that sets
  // window.WEBMAP_SITES, because browsers refuse fetch() from file:// pages. Search,
  // nearby and the QR code need the server, so a static copy goes without them.
  function loadSites() {
    if (!config.sitesScript) return getJSON(config.sitesUrl).then((d) => (config.cluster ? fromColumns(d) : d));
    for (const id of ["search-form", "near-me", "share-qr", "lang-switch"]) $(id).hidden = true;
    document.querySelector(".nearby").hidden = true;
    document.querySelector('#sort option[value="distance"]').remove();
    return new Promise((resolve, reject) => {
      const s = el("script", {src: config.sitesScript});
      s.onload = () => resolve(window.WEBMAP_SITES);
      s.onerror = () => reject(new Error("could not load " + config.sitesScript));
      document.head.appendChild(s);
    });
  }

  loadSites().then((fc) => {
    features = WebMap.features = fc.features;
    byId = table();
    for (const f of features) byId[f.id] = f;
    const located = features.filter((f) => f.geometry);
    offsets = fanOffsets(located);
    if (clustered) {
      // Draw first, finish the list and the filters after: at 100,000 sites they take a while.
      buildClusters();
      fitOrRestoreView();
      renderClusters();
      performance.mark("webmap:first-markers");
    } else {
      const circleIndex = table();
      located.forEach((f) => addMarker(f, offsets[f.id] || [0, 0], circleIndex));
    }

    // Restore the link's state: basemap, layers, view, search, nearby, selection.
    if (state.base !== baseIds[0]) {
      map.removeLayer(basemapLayers[baseIds[0]]);
      map.addLayer(basemapLayers[state.base]);
      reproject();
    }
    config.layers.forEach((l) => { if (!state.layers.has(l.id)) map.removeLayer(groups[l.id]); });
    if (!clustered) fitOrRestoreView();

    const pending = [];
    if (state.q) {
      pending.push(getJSON(api(config.searchUrl, {q: state.q.slice(0, 100)})).then((r) => {
        searchHits = hitsOf(r);
      }));
    }
    if (state.near && byId[state.near.id] && byId[state.near.id].geometry) {
      pending.push(getJSON(api(config.nearbyUrl, {site: state.near.id, radius: state.radius}))
        .then((r) => {
          nearHits = new Map(r.features.map((f) => [f.id, f.nearby]));
          nearHits.set(state.near.id, {distance_m: 0, approximate: isApprox(byId[state.near.id])});
          distances = nearHits;
          $("near-label").textContent = t("nearOrigin", {km: km(state.radius), place: tr(byId[state.near.id].properties.name)});
          $("near-status").hidden = false;
        }));
    } else {
      state.near = null;
    }
    return Promise.all(pending).then(() => {
      apply();
      if (!clustered) performance.mark("webmap:first-markers");
      // data-map-moving lets scripts (and tests) wait until pans and zooms have finished.
      map.on("movestart", () => document.body.setAttribute("data-map-moving", ""));
      map.on("moveend", () => {
        document.body.removeAttribute("data-map-moving");
        if (clustered) renderClusters();
        renderList(); writeUrl(); fetchCentreDistances();
      });
      if (state.sort === "distance" && !state.near) fetchCentreDistances();
      const selectedMarker = state.site && markers[state.site];
      if (selectedMarker && map.hasLayer(selectedMarker)) {
        // The link holds the exact view the sender saw: open the popup without panning.
        const popup = selectedMarker.getPopup();
        popup.options.autoPan = !params.has("view");
        selectedMarker.openPopup();
        popup.options.autoPan = true;
      }
      emit("ready", features, markers);
      document.body.setAttribute("data-state", "ready");
    });
  }).catch(showLoadError);
})();
