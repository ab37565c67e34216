/* The search box: the server ranks (pinyin, initials, English); the list follows the hits. */
(function (app) {
  "use strict";

  const {$, SEL} = window.WebMapIds, {debounce, getAll} = window.WebMapUtil;
  const config = app.config;

  /* Ask the server; the hits go into the store if the text has not changed meanwhile. */
  function search(q) {
    return getAll(app.data.api(config.searchUrl, {q: q.slice(0, 100)})).then((fc) => {
      if (app.store.state.q !== q) return;  // a newer query is on its way
      app.store.dispatch("searchFound", {q, hits: app.data.hitsOf(fc)});
    });
  }

  const run = debounce(() => {
    const q = $("search").value.trim();
    if (!q) { app.store.dispatch("searchCleared"); return; }
    app.store.dispatch("searchTyped", q);
    search(q).catch(app.data.showLoadError);
  }, 200);

  function init() {
    $("search").value = app.store.state.q;
    $("search").addEventListener("input", run);
    document.querySelector(SEL.skipLink).addEventListener("click", (e) => { e.preventDefault(); $("search").focus(); });
    $("searchForm").addEventListener("submit", (e) => {
      e.preventDefault();
      const first = $("siteList").querySelector("button");
      if (first) first.focus();
    });
  }

  /* Empty the box and drop the hits (a nearby search replaces the text search). */
  function clear() {
    $("search").value = "";
    if (app.store.state.q || app.store.state.hits) app.store.dispatch("searchCleared");
  }

  app.search = {init, search, clear};
})(window.WebMapApp);
