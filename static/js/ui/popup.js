/* A site's popup, built from DOM nodes (never an HTML string). Other scripts add their own
 * sections through WebMap.on("popup", fn(root, feature)), emitted after the built-in ones.
 *
 * Adding a section: append it in content() below (or, from another script, subscribe to
 * "popup"); the feature's properties are the API's (docs/frontend.md).
 */
(function (app) {
  "use strict";

  const {el, url, km, isApprox, getJSON, table} = window.WebMapUtil, {t, tr, other} = app.i18n;
  const config = app.config, map = app.map, lang = app.lang;
  const full = table();  // cluster mode: the full features fetched so far

  /* In cluster mode the page holds compact features: the full one is fetched when its
   * popup first opens. */
  function forSite(f, marker) {
    if (!app.clustered || f.properties.summary) return content(f);  // a static copy has it all
    if (full[f.id]) return content(full[f.id]);
    getJSON(url(config.siteApiUrl, {ID: f.id})).then((whole) => {
      full[f.id] = whole;
      if (marker.isPopupOpen()) marker.setPopupContent(content(whole));
    }).catch(app.data.showLoadError);
    return el("p", {class: "popup-loading", role: "status"}, t("loading"));
  }

  function header(f) {
    const p = f.properties, layer = app.markers.layersById[p.layer], status = config.vocab.status[p.status];
    const chip = el("p", {class: "chip"}, el("span", {class: "chip-icon", "aria-hidden": "true"}, layer.icon),
                    tr(layer.name));
    chip.style.setProperty("--layer", layer.colour);
    return [chip,
      el("h2", {class: "popup-title", tabindex: "-1"}, tr(p.name)),
      el("p", {class: "subtitle", lang: lang === "zh" ? "en" : "zh-CN"}, other(p.name)),
      el("p", {class: "meta"}, el("span", {class: "status status-" + p.status}, tr(status)))];
  }
  /* Disputed locations in words, with the places the sources give (data: location.disputed,
   * location.candidates[].label), as the site page says them. */
  function disputedNote(f) {
    const loc = f.properties.location;
    if (!loc.disputed) return null;
    const list = el("ul", {class: "candidates"});
    (loc.candidates || []).forEach((c) => list.append(el("li", {}, tr(c.label))));
    return el("div", {class: "disputed-note"}, el("p", {}, el("strong", {class: "disputed"}, t("disputedNote")),
              " " + t("disputedPlaces")), list);
  }
  function approxNote(f) {
    const p = f.properties;
    if (p.location.disputed) return disputedNote(f);
    if (!isApprox(f)) return null;
    return el("p", {class: "approx-note"},
      t("approxNote", {precision: tr(config.vocab.precision[p.location.precision]), km: km(p.location.uncertainty_m)}),
      p.location.note ? el("span", {class: "approx-detail"}, " " + tr(p.location.note)) : null);
  }
  function facts(p) {
    if (!p.facts || !p.facts.length) return null;
    const dl = el("dl", {class: "facts"});
    p.facts.forEach((fact) => dl.append(el("div", {}, el("dt", {}, tr(fact.label)),
                                               el("dd", {}, fact.value + (fact.unit ? " " + tr(fact.unit) : "")))));
    return dl;
  }
  function photo(ph) {
    const fig = el("figure", {class: "photo"});
    if (ph.file) {
      fig.append(el("a", {href: url(config.photoUrl, {SIZE: "full", NAME: ph.file}), target: "_blank", rel: "noopener"},
        el("img", {src: url(config.photoUrl, {SIZE: "thumb", NAME: ph.file}), alt: tr(ph.alt || ph.caption), loading: "lazy"})));
    } else {
      fig.append(el("div", {class: "photo-missing", "aria-hidden": "true"}, t("photoMissing")));
    }
    const licence = ph.licence && config.vocab.licence ? config.vocab.licence[ph.licence] : null;
    fig.append(el("figcaption", {}, tr(ph.caption), el("br"), el("small", {class: "photo-credit"}, tr(ph.credit)),
      licence ? " · " : null, licence ? el("small", {class: "photo-licence"}, tr(licence)) : null));
    return fig;
  }
  /* A published photo replaces the article's "photo not available" placeholders. */
  function photos(p) {
    const all = p.photos || [], real = all.filter((ph) => ph.file);
    return (real.length ? real : all).map(photo);
  }
  function more(f) {
    const nearBtn = el("button", {type: "button", class: "secondary near-this"}, t("nearThis"));
    nearBtn.addEventListener("click", () => app.nearby.find({kind: "site", id: f.id}));
    return el("p", {class: "more"}, el("a", {href: url(config.sitePageUrl, {ID: f.id})}, t("details") + " →"), nearBtn);
  }

  /* The popup's sections, in order. */
  function content(f) {
    const p = f.properties;
    const root = el("article", {class: "popup", "data-site-id": f.id});
    root.append(...header(f));
    [approxNote(f), el("p", {class: "summary"}, tr(p.summary)), facts(p), ...photos(p),
     el("p", {class: "source"}, t("source", {section: tr(p.article_section)})), more(f)]
      .forEach((section) => { if (section) root.append(section); });
    // On phones the card (js/ui/card.js) closes on Escape and gives the focus back itself.
    root.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && !app.phone) { map.closePopup(); app.selection.focusListItem(f.id); }
    });
    app.emit("popup", root, f);
    return root;
  }

  app.popup = {forSite, content};
})(window.WebMapApp);
