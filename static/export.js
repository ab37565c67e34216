/* Export and embed: the sidebar's "Export" links follow the current selection (layers,
 * filters and search), and "Embed this map" offers an <iframe> snippet of the current view.
 *
 * Uses only the WebMap API from map.js. Data text never goes through HTML strings: links
 * get their URL with setAttribute, the snippet goes into a textarea's value.
 */
(function () {
  "use strict";

  const WebMap = window.WebMap, P = window.WebMapParams, config = WebMap.config, t = WebMap.t;
  const {$} = window.WebMapIds;
  const state = WebMap.state;  // read only: map.js changes it
  const layerIds = config.layers.map((l) => l.id);

  // The server marks the embed page itself; a static copy of the site cannot, so do it here too.
  if (P.parse(new URLSearchParams(window.location.search), "embed")) document.body.classList.add("embed");

  /* The selection as export query parameters (named as on the map: js/params.js); empty
   * when it is everything. */
  function selectionQuery() {
    const q = new URLSearchParams();
    P.write(q, "layers", state.layers.size !== layerIds.length ? layerIds.filter((id) => state.layers.has(id)) : null);
    for (const k of P.filters) P.write(q, k, state[k]);
    return P.text(q);
  }

  const links = [...$("exportLinks").querySelectorAll("a[data-format]")];
  links.forEach((a) => a.setAttribute("data-base", a.getAttribute("href")));
  links.forEach((a) => a.addEventListener("click", (ev) => {
    if (a.getAttribute("aria-disabled") === "true") ev.preventDefault();
  }));

  function updateExports() {
    if (config.staticSite) return;  // a static copy ships fixed files for all sites
    const query = selectionQuery();
    const n = WebMap.visibleFeatures().length;
    links.forEach((a) => {
      a.setAttribute("href", a.getAttribute("data-base") + (query ? "?" + query : ""));
      if (n) a.removeAttribute("aria-disabled"); else a.setAttribute("aria-disabled", "true");
    });
    $("exportSelection").textContent =
      !n ? t("exportNone") : query ? t("exportSome", {n}) : t("exportAll", {n});
  }

  /* --- embed snippet --- */
  const code = $("embedCode");
  const attr = (text) => text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;")
                             .replace(/>/g, "&gt;");
  function embedUrl() {
    const q = new URLSearchParams(window.location.search);
    q.set("embed", "1");
    return window.location.href.split(/[?#]/)[0] + "?" + q.toString();
  }
  function updateEmbed() {
    code.value = '<iframe src="' + attr(embedUrl()) + '" width="100%" height="480" style="border:0" title="' +
      attr(t("embedTitle")) + '" loading="lazy" allowfullscreen></iframe>';
    const q = new URLSearchParams(window.location.search);
    q.delete("embed");
    $("embedFullMap").setAttribute("href", "?" + q.toString());
  }
  $("embedCopy").addEventListener("click", () => {
    const copied = $("embedCopied");
    code.select();  // selected at once, so Ctrl+C works even if the clipboard API is refused
    copied.textContent = t("copyFailed");
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(code.value).then(() => { copied.textContent = t("copied"); }, () => {});
    }
  });

  // The snippet copies the address bar, so it follows each rewrite of it (map.js writes it
  // once per action, after the "change" subscribers ran).
  WebMap.on("change", updateExports);
  WebMap.on("url", updateEmbed);
  if (WebMap.features.length) { updateExports(); updateEmbed(); }
})();
