/* Places changed in the last 30 days: a dot on their marker and list item, and a line in
 * their popup linking to "What changed". A read-only map answers none; a static copy has
 * no changesUrl (no server to ask). */
(function (app) {
  "use strict";

  const config = app.config;
  if (!config.changesUrl) return;
  const {el, getJSON, table} = window.WebMapUtil, {t} = app.i18n;
  const recent = (app.recent = table());
  const markList = () => document.querySelectorAll("#site-list li[data-site-id], #unlocated-list li[data-site-id]")
    .forEach((li) => li.classList.toggle("recent", !!recent[li.dataset.siteId]));

  function note(root, id) {
    const when = recent[id];
    if (!when || root.querySelector(".recent-note")) return;
    root.append(el("p", {class: "recent-note"},
      el("a", {href: config.changesPageUrl}, t("recentLine", {date: when.slice(0, 10)}))));
  }
  app.WebMap.on("popup", (root, f) => note(root, f.id));
  app.WebMap.on("list", markList);
  app.WebMap.on("ready", () => {
    getJSON(config.changesUrl).then((answer) => {
      answer.sites.forEach((s) => { recent[s.id] = s.changed; });
      answer.sites.forEach((s) => app.markers.redraw(s.id));
      markList();
      // a popup opened before the answer came (a shared link's) gets its line now
      document.querySelectorAll(".leaflet-popup-content article.popup[data-site-id]")
        .forEach((root) => note(root, root.dataset.siteId));
      document.body.setAttribute("data-recent", String(answer.sites.length));
    }).catch(() => document.body.setAttribute("data-recent", "unavailable"));  // the map works without it
  });
})(window.WebMapApp);
