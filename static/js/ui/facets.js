/* The filter boxes: drawn once from app.filter.FACETS, their live counts and ticks follow
 * the store; ticking one dispatches filterToggled (layers go through the map's layer
 * groups, so Leaflet's layer control stays in step). */
(function (app) {
  "use strict";

  const {$} = window.WebMapIds, {el, table} = window.WebMapUtil, {t} = app.i18n;
  const config = app.config, map = app.map, store = () => app.store;
  const FACETS = app.filter.FACETS;
  const groups = table(Object.entries(app.handles.groups));

  function render() {
    const box = $("facets");
    box.textContent = "";
    for (const facet of FACETS) {
      const fs = el("fieldset", {"data-facet": facet.id}, el("legend", {}, t("facet_" + facet.id)));
      const ul = el("ul", {class: "facet-list" + (facet.id === "layer" ? " legend" : ""),
                           id: facet.id === "layer" ? "legend" : null});
      for (const [value, label, layer] of facet.values()) {
        const id = "f-" + facet.id + "-" + value;
        const input = el("input", {type: "checkbox", id, value, "data-facet": facet.id});
        input.addEventListener("change", () => toggle(facet.id, value, input.checked));
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
   * exactly one counts only for that one.
   *
   * Which values each site has is worked out once (a bit mask per site and facet, from
   * facet.has), so a pass compares integers: a few milliseconds at 100,000 sites. A facet
   * with more than 31 values would not fit a mask: then every site is asked again. */
  let masks = null, maskedFeatures = null, maskValues = null;
  function buildMasks(features) {
    maskValues = FACETS.map((facet) => facet.values().map((v) => v[0]));
    if (maskValues.some((vs) => vs.length > 31)) { masks = null; maskedFeatures = features; return; }
    masks = FACETS.map(() => new Int32Array(features.length));
    features.forEach((f, j) => {
      FACETS.forEach((facet, i) => {
        let m = 0;
        maskValues[i].forEach((v, b) => { if (facet.has(f, v)) m |= 1 << b; });
        masks[i][j] = m;
      });
    });
    maskedFeatures = features;
  }
  function countsByMask(features) {
    const k = FACETS.length, layerAt = FACETS.findIndex((facet) => facet.id === "layer");
    const chosen = FACETS.map((facet, i) => {
      const sel = app.filter.selected(facet.id);
      return maskValues[i].reduce((m, v, b) => (sel.has(v) ? m | (1 << b) : m), 0);
    });
    const counts = maskValues.map((vs) => new Int32Array(vs.length));
    const {hits, nearHits} = store().state, narrowed = !!(hits || nearHits);
    for (let j = 0; j < features.length; j++) {
      if (narrowed && app.filter.outside(features[j])) continue;
      let failed = -1, nFailed = 0;
      for (let i = 0; i < k; i++) {
        const c = chosen[i];
        if ((i === layerAt || c !== 0) && (masks[i][j] & c) === 0) { failed = i; if (++nFailed > 1) break; }
      }
      if (nFailed > 1) continue;
      for (let i = 0; i < k; i++) {
        if (nFailed === 1 && i !== failed) continue;
        for (let m = masks[i][j]; m !== 0; m &= m - 1) counts[i][31 - Math.clz32(m & -m)]++;
      }
    }
    return counts.map((c, i) => table(maskValues[i].map((v, b) => [v, c[b]])));
  }
  function countsByAsking(features) {
    const values = FACETS.map((facet) => facet.values().map((v) => v[0]));
    const counts = FACETS.map(() => table());
    for (const f of features) {
      if (app.filter.outside(f)) continue;
      let failed = -1, nFailed = 0;
      for (let i = 0; i < FACETS.length && nFailed < 2; i++) if (app.filter.fails(FACETS[i], f)) { failed = i; nFailed++; }
      if (nFailed > 1) continue;
      FACETS.forEach((facet, i) => {
        if (nFailed === 1 && i !== failed) return;
        for (const v of values[i]) if (facet.has(f, v)) counts[i][v] = (counts[i][v] || 0) + 1;
      });
    }
    return counts;
  }
  function updateCounts() {
    const features = store().state.features;
    if (maskedFeatures !== features) buildMasks(features);
    const counts = masks ? countsByMask(features) : countsByAsking(features);
    let active = 0;
    FACETS.forEach((facet, i) => {
      const chosen = app.filter.selected(facet.id);
      for (const li of document.querySelectorAll(`fieldset[data-facet="${facet.id}"] li`)) {
        const n = counts[i][li.dataset.value] || 0;
        li.querySelector(".count").textContent = String(n);
        li.querySelector("input").checked = chosen.has(li.dataset.value);
        li.classList.toggle("empty", n === 0);
      }
      active += facet.id === "layer" ? config.layers.length - store().state.layers.size : chosen.size;
    });
    $("filterCount").textContent = String(active);
    $("filterCount").hidden = active === 0;
  }

  function toggle(facet, value, on) {
    if (facet === "layer") {
      // Through the map, so Leaflet's layer control stays in step (overlayadd below).
      if (on) map.addLayer(groups[value]); else map.removeLayer(groups[value]);
      return;
    }
    store().dispatch("filterToggled", {facet, value, on});
  }

  /* Leaflet's layer control (and toggle above) show and hide whole groups. */
  function init() {
    const groupLayer = (group) => Object.keys(groups).find((k) => groups[k] === group);
    map.on("overlayadd", (e) => { const id = groupLayer(e.layer); if (id) store().dispatch("layerShown", id); });
    map.on("overlayremove", (e) => { const id = groupLayer(e.layer); if (id) store().dispatch("layerHidden", id); });
    $("clearFilters").addEventListener("click", () => {
      config.layers.forEach((l) => { if (!store().state.layers.has(l.id)) map.addLayer(groups[l.id]); });
      $("search").value = "";
      store().dispatch("filtersCleared");
    });
    render();
  }
  function onChange(changed) {
    if (store().changedAny(changed, ["features", ...app.filter.SHOWN])) updateCounts();
  }

  app.facets = {init, onChange, groups};
})(window.WebMapApp);
