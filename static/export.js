/* Export and embed: the sidebar's "Export" links follow the current selection (layers,
 * filters and search), and "Embed this map" offers an <iframe> snippet of the current view.
 *
 * Uses only the WebMap API from map.js. Data text never goes through HTML strings: links
 * get their URL with setAttribute, the snippet goes into a textarea's value.
 */
(function () {
  "use strict";

  const WebMap = window.WebMap, config = WebMap.config, t = WebMap.t, state = WebMap.state;
  const layerIds = config.layers.map((l) => l.id);

  // The server marks the embed page itself; a static copy of the site cannot, so do it here too.
  if (new URLSearchParams(window.location.search).get("embed") === "1") document.body.classList.add("embed");

  /* The selection as export query parameters; empty when it is everything. */
  function selectionQuery() {
    const q = new URLSearchParams();
    if (state.layers.size !== layerIds.length) q.set("layers", layerIds.filter((id) => state.layers.has(id)).join(","));
    if (state.theme.size) q.set("themes", [...state.theme].join(","));
    if (state.status.size) q.set("status", [...state.status].join(","));
    if (state.precision.size) q.set("precision", [...state.precision].join(","));
    if (state.school) q.set("school", "1");
    if (state.q) q.set("q", state.q);
    return q.toString().replace(/%2C/g, ",");
  }

  const links = [...document.querySelectorAll("#export-links a[data-format]")];
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
    document.getElementById("export-selection").textContent =
      !n ? t("exportNone") : query ? t("exportSome", {n}) : t("exportAll", {n});
  }

  /* --- embed snippet --- */
  const code = document.getElementById("embed-code");
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
    document.getElementById("embed-full-map").setAttribute("href", "?" + q.toString());
  }
  document.getElementById("embed-copy").addEventListener("click", () => {
    const copied = document.getElementById("embed-copied");
    code.select();  // selected at once, so Ctrl+C works even if the clipboard API is refused
    copied.textContent = t("copyFailed");
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(code.value).then(() => { copied.textContent = t("copied"); }, () => {});
    }
  });

  function update() { updateExports(); updateEmbed(); }
  WebMap.on("change", update);
  WebMap.map.on("moveend", updateEmbed);
  if (WebMap.features.length) update();
})();
