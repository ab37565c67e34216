/* The list of places in view (and of those without a location yet), sorted by match,
 * name or distance, with search snippets. Redrawn once per change of what it shows. */
(function (app) {
  "use strict";

  const {$, SEL} = window.WebMapIds, {el, km, isApprox, marked} = window.WebMapUtil, {t, tr} = app.i18n;
  const config = app.config, map = app.map, lang = app.lang;
  const LIST_MAX = 200;  // list items drawn at once; more is slow on phones and unreadable
  const state = () => app.store.state;

  // Every site's place in name order (pinyin order in Chinese), sorted once: comparing
  // names with a collator at each re-render would take seconds at 100,000 sites.
  let ranks = null;
  function nameRank() {
    if (!ranks) {
      const collator = new Intl.Collator(lang === "zh" ? "zh-Hans-u-co-pinyin" : "en");
      const keyed = state().features.map((f) => [tr(f.properties.name), f.id]);
      keyed.sort((x, y) => collator.compare(x[0], y[0]));
      ranks = new Map(keyed.map(([, id], i) => [id, i]));
    }
    return ranks;
  }
  function compare(a, b) {
    const {sort, distances, hits} = state(), layersById = app.markers.layersById;
    if (sort === "distance" && distances) {
      const da = distances.get(a.id), db = distances.get(b.id);
      return (da ? da.distance_m : Infinity) - (db ? db.distance_m : Infinity);
    }
    if (sort === "relevance" && hits) return hits.get(a.id).rank - hits.get(b.id).rank;
    if (sort === "relevance") {
      const la = config.layers.indexOf(layersById[a.properties.layer]);
      const lb = config.layers.indexOf(layersById[b.properties.layer]);
      if (la !== lb) return la - lb;
    }
    return nameRank().get(a.id) - nameRank().get(b.id);
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
    return el("li", {"data-site-id": f.id, "aria-current": state().site === f.id ? "true" : null}, button);
  }

  function render() {
    const s = state(), shown = s.features.filter(app.filter.visible), bounds = map.getBounds();
    const inView = shown.filter((f) => f.geometry && bounds.contains(app.markers.latlngOf(f.id))).sort(compare);
    const unlocated = shown.filter((f) => !f.geometry).sort(compare);
    // Re-rendering must not take the keyboard focus away from the item it was on.
    const focused = document.activeElement && document.activeElement.closest(SEL.listButton);
    const focusedId = focused ? focused.dataset.siteId : null;
    $("siteList").replaceChildren(...inView.slice(0, LIST_MAX).map(item));
    $("listMore").hidden = inView.length <= LIST_MAX;
    $("listMore").textContent = t("listMore", {shown: LIST_MAX, n: inView.length});
    $("unlocatedList").replaceChildren(...unlocated.slice(0, LIST_MAX).map((f) => {
      const li = item(f);
      li.querySelector("button").classList.add("unlocated-item");
      return li;
    }));
    if (focusedId) {
      const again = document.querySelector(`${SEL.listButton}[data-site-id="${CSS.escape(focusedId)}"]`);
      if (again) again.focus();
    }
    $("unlocatedCount").textContent = String(unlocated.length);
    $("unlocated").hidden = unlocated.length === 0;
    renderSummary(shown, inView.length);
    app.emit("list");
  }
  function renderSummary(shown, nInView) {
    const s = state(), total = s.features.length, located = shown.filter((f) => f.geometry).length;
    $("resultsTitle").textContent = t("inView", {n: nInView});
    const nothing = $("nothingFound");
    nothing.hidden = shown.length > 0;
    nothing.textContent = s.q ? t("nothingFound", {q: s.q}) : t("nothingMatches");
    $("status").textContent = (shown.length === total ? t("summaryAll", {total}) : t("summary", {shown: shown.length, total}))
                              + " · " + t("onMap", {n: located});
    const note = $("sortNote");
    note.hidden = !(s.sort === "distance" && !s.near);
    note.textContent = t("sortedByDistanceFrom", {place: t("mapCentre")});
  }

  const KEYS = ["features", ...app.filter.SHOWN, "sort", "distances", "view", "base"];
  function onChange(changed) {
    if (app.store.changedAny(changed, KEYS)) render();
  }

  app.list = {render, onChange};
})(window.WebMapApp);
