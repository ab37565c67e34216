/* The list of places in view (and of those without a location yet), sorted by match,
 * name or distance, with search snippets. Redrawn once per change of what it shows. */
(function (app) {
  "use strict";

  const {$, SEL} = window.WebMapIds, {el, km, isApprox, marked} = window.WebMapUtil, {t, tr} = app.i18n;
  const map = app.map, lang = app.lang;
  const LIST_MAX = 200;  // list items drawn at once; more is slow on phones and unreadable
  const state = () => app.store.state;

  // The sort keys (js/data/sites.js sortKeys): the layer's place and the name's place,
  // worked out once, on the first render, so that comparing two sites compares numbers.
  const ORDER = app.data.ORDER, AT = Symbol("catalogueOrder");
  let keyed = false;
  function ensureKeys(features) {
    if (keyed) return;
    app.data.sortKeys(features, (f) => tr(f.properties.name));
    features.forEach((f, i) => { f[AT] = i; });
    keyed = true;
  }
  /* The number a site sorts by in the current order (ties: catalogue order, as the
   * stable full sort this replaces). Map lookups happen here, once per site, never in
   * a comparison. */
  function sortKey() {
    const {sort, distances, hits} = state(), n = state().features.length;
    if (sort === "distance" && distances) {
      return (f) => { const d = distances.get(f.id); return d ? d.distance_m : Infinity; };
    }
    if (sort === "relevance" && hits) return (f) => hits.get(f.id).rank;
    if (sort === "relevance") return (f) => f[ORDER.layer] * n + f[ORDER.name];
    return (f) => f[ORDER.name];
  }
  /* The first k of items in sort order, sorted: a bounded max-heap of the best k seen, so
   * most of the tens of thousands of sites in view cost one comparison with its top. */
  function firstK(items, keyOf, k) {
    const heapKey = [], heapAt = [], heapF = [];
    const worse = (i, j) => heapKey[i] > heapKey[j] || (heapKey[i] === heapKey[j] && heapAt[i] > heapAt[j]);
    const swap = (i, j) => {
      [heapKey[i], heapKey[j]] = [heapKey[j], heapKey[i]];
      [heapAt[i], heapAt[j]] = [heapAt[j], heapAt[i]];
      [heapF[i], heapF[j]] = [heapF[j], heapF[i]];
    };
    for (const f of items) {
      const key = keyOf(f), at = f[AT];
      if (heapKey.length < k) {
        let i = heapKey.length;
        heapKey.push(key); heapAt.push(at); heapF.push(f);
        while (i > 0) {
          const up = (i - 1) >> 1;
          if (!worse(i, up)) break;
          swap(i, up); i = up;
        }
        continue;
      }
      if (key > heapKey[0] || (key === heapKey[0] && at > heapAt[0])) continue;
      heapKey[0] = key; heapAt[0] = at; heapF[0] = f;
      for (let i = 0; ;) {
        const l = 2 * i + 1, r = l + 1;
        let top = i;
        if (l < k && worse(l, top)) top = l;
        if (r < k && worse(r, top)) top = r;
        if (top === i) break;
        swap(i, top); i = top;
      }
    }
    const idx = heapKey.map((_, i) => i);
    idx.sort((i, j) => heapKey[i] - heapKey[j] || heapAt[i] - heapAt[j]);
    return idx.map((i) => heapF[i]);
  }

  /* The sites that pass every filter and whose layer is shown, located and not, in
   * catalogue order: kept until the filters or the layers change (a pan only re-reads
   * which of them are in view). */
  let shownCache = null, shownGen = -1, shownLayers = -1;
  function shownSites() {
    const s = state(), gen = app.filter.generation(), layers = app.store.revision(["layers", "features"]);
    if (shownCache && gen === shownGen && layers === shownLayers) return shownCache;
    const located = [], unlocated = [], visible = app.filter.visible;
    for (const f of s.features) if (visible(f)) (f.geometry ? located : unlocated).push(f);
    shownGen = gen; shownLayers = layers;
    return (shownCache = {located, unlocated, total: located.length + unlocated.length});
  }
  function inViewOf(located) {
    const bounds = map.getBounds();
    if (app.gcj.gcj()) return located.filter((f) => bounds.contains(app.markers.latlngOf(f.id)));
    const s = bounds.getSouth(), w = bounds.getWest(), n = bounds.getNorth(), e = bounds.getEast();
    return located.filter((f) => {
      const [lon, lat] = f.geometry.coordinates;
      return lat >= s && lat <= n && lon >= w && lon <= e;
    });
  }

  function fieldText(f, path) {
    return path.split(".").reduce((o, k) => (o == null ? o : o[k]), f.properties);
  }
  function snippet(hit) {
    const text = String((hit.text !== undefined ? hit.text : fieldText(hit.feature, hit.field)) || "");
    const from = Math.max(0, hit.start - 12), to = Math.min(text.length, hit.end + 24);
    return el("span", {class: "snippet"}, from > 0 ? "…" : "",
              marked(text.slice(from, to), hit.start - from, hit.end - from), to < text.length ? "…" : "");
  }
  function distanceOrBadge(f) {
    const {distances, near} = state(), d = distances && distances.get(f.id);
    if (d) {
      const approx = d.approximate || (near && near.kind === "site" && isApprox(app.data.byId[near.id]));
      return el("span", {class: "distance" + (approx ? " approx" : "")},
                t(approx ? "distanceApprox" : "distance", {km: km(d.distance_m)}));
    }
    return isApprox(f) ? el("span", {class: "badge"}, t("approxShort")) : null;
  }

  /* A search hit in text of the page's language (or in language-neutral text, a fact's
   * value), or null: in Chinese, "yungang" finding the English name highlights nothing,
   * rather than English text (docs/frontend.md). */
  function shownHit(f) {
    const hit = state().hits && state().hits.get(f.id);
    return hit && (!/\.(zh|en)$/.test(hit.field) || hit.field.endsWith("." + lang)) ? hit : null;
  }

  function item(f) {
    const p = f.properties, layer = app.markers.layersById[p.layer], hit = shownHit(f);
    const icon = el("span", {class: "chip-icon", "aria-hidden": "true"}, layer.icon);
    icon.style.setProperty("--layer", layer.colour);
    const nameField = "name." + lang;
    const name = hit && hit.field === nameField ? marked(tr(p.name), hit.start, hit.end)
                                                : document.createTextNode(tr(p.name));
    const button = el("button", {type: "button", class: "site-button", "data-site-id": f.id},
                      icon, el("span", {class: "site-name"}, name));
    if (hit && hit.field !== nameField) button.append(snippet(hit));
    const extra = distanceOrBadge(f);
    if (extra) button.append(extra);
    button.addEventListener("click", () => app.selection.select(f.id, true));
    const li = el("li", {"data-site-id": f.id, "aria-current": state().site === f.id ? "true" : null}, button);
    // Laid out only when scrolled near: 200 grid buttons cost more to lay out than to build.
    li.style.setProperty("content-visibility", "auto");
    li.style.setProperty("contain-intrinsic-size", "auto 48px");
    return li;
  }

  function render() {
    const s = state();
    ensureKeys(s.features);
    const shown = shownSites(), inView = inViewOf(shown.located), keyOf = sortKey();
    const first = firstK(inView, keyOf, LIST_MAX), unlocated = firstK(shown.unlocated, keyOf, LIST_MAX);
    // Re-rendering must not take the keyboard focus away from the item it was on.
    const focused = document.activeElement && document.activeElement.closest(SEL.listButton);
    const focusedId = focused ? focused.dataset.siteId : null;
    $("siteList").replaceChildren(...first.map(item));
    $("listMore").hidden = inView.length <= LIST_MAX;
    $("listMore").textContent = t("listMore", {shown: LIST_MAX, n: inView.length});
    $("unlocatedList").replaceChildren(...unlocated.map((f) => {
      const li = item(f);
      li.querySelector("button").classList.add("unlocated-item");
      return li;
    }));
    if (focusedId) {
      const again = document.querySelector(`${SEL.listButton}[data-site-id="${CSS.escape(focusedId)}"]`);
      if (again) again.focus();
    }
    $("unlocatedCount").textContent = String(shown.unlocated.length);
    $("unlocated").hidden = shown.unlocated.length === 0;
    renderSummary(shown, inView.length);
    app.emit("list");
  }
  function renderSummary(shown, nInView) {
    const s = state(), total = s.features.length, located = shown.located.length;
    $("resultsTitle").textContent = t("inView", {n: nInView});
    const nothing = $("nothingFound");
    nothing.hidden = shown.total > 0;
    nothing.textContent = s.q ? t("nothingFound", {q: s.q}) : t("nothingMatches");
    $("status").textContent = (shown.total === total ? t("summaryAll", {total}) : t("summary", {shown: shown.total, total}))
                              + " · " + t("onMap", {n: located});
    const note = $("sortNote");
    note.hidden = !(s.sort === "distance" && !s.near);
    note.textContent = t("sortedByDistanceFrom", {place: t("mapCentre")});
  }

  const KEYS = ["features", ...app.filter.SHOWN, "sort", "distances", "view", "base"];
  function onChange(changed) {
    if (app.store.changedAny(changed, KEYS)) render();
  }

  app.list = {render, onChange, firstK};
})(window.WebMapApp);
