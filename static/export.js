/* Export and embed: the panel's "导出 Export" links follow the layers switched on in the
 * layer control, and "嵌入 Embed" offers an <iframe> snippet for the current view.
 *
 * Uses only the WebMap API from map.js (WebMap.map, WebMap.config) and the overlay handles
 * Folium published. Data text never goes through HTML strings: links get their URL with
 * setAttribute, the snippet goes into a textarea's value.
 */
(function () {
  "use strict";

  var WebMap = window.WebMap, map = WebMap.map, config = WebMap.config;
  var groups = window.WEBMAP_HANDLES.groups;
  var layerIds = config.layers.map(function (l) { return l.id; });
  var params = new URLSearchParams(window.location.search);
  var embedded = params.get("embed") === "1";

  // The server marks the embed page itself; a static copy of the site cannot, so do it here too.
  if (embedded) {
    document.body.classList.add("embed");
    document.getElementById("legend-box").open = false;
  }

  // ?layers=a,b (or layer=a&layer=b) in the page URL: start with only those overlays on,
  // so a shared or embedded link shows what its author chose. Unknown ids are ignored.
  var wanted = [];
  params.getAll("layer").concat(params.getAll("layers")).forEach(function (v) {
    v.split(",").forEach(function (id) { if (layerIds.indexOf(id) >= 0) wanted.push(id); });
  });
  if (wanted.length) {
    layerIds.forEach(function (id) { if (wanted.indexOf(id) < 0) map.removeLayer(groups[id]); });
  }

  function layersOn() {
    return layerIds.filter(function (id) { return map.hasLayer(groups[id]); });
  }

  // Query parameters for the selection: nothing when every layer is on (all sites).
  function selectionQuery(on) {
    return on.length === layerIds.length ? "" : "layers=" + on.map(encodeURIComponent).join(",");
  }

  var links = Array.prototype.slice.call(document.querySelectorAll("#export-links a[data-format]"));
  links.forEach(function (a) { a.setAttribute("data-base", a.getAttribute("href")); });
  var note = document.getElementById("export-selection");

  function updateExports() {
    var on = layersOn();
    if (config.staticSite) return;  // a static copy ships fixed files for all sites
    var query = selectionQuery(on);
    links.forEach(function (a) {
      a.setAttribute("href", a.getAttribute("data-base") + (query ? "?" + query : ""));
      if (on.length) a.removeAttribute("aria-disabled"); else a.setAttribute("aria-disabled", "true");
    });
    var names = on.map(function (id) {
      return config.layers.filter(function (l) { return l.id === id; })[0].name.zh;
    });
    note.textContent = !on.length ? "没有打开的图层。No layer is switched on."
      : on.length === layerIds.length ? "当前：全部图层。Now: all layers."
      : "当前 Now：" + names.join("、");
    document.getElementById("export-box").setAttribute("data-layers", on.join(","));
  }
  links.forEach(function (a) {
    a.addEventListener("click", function (ev) {
      if (a.getAttribute("aria-disabled") === "true") ev.preventDefault();
    });
  });

  /* --- embed snippet ------------------------------------------------------------ */
  var code = document.getElementById("embed-code");
  function attr(text) {
    return text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function embedUrl() {
    var q = new URLSearchParams(window.location.search);
    ["embed", "layer", "layers"].forEach(function (k) { q.delete(k); });
    var on = layersOn();
    if (on.length && on.length < layerIds.length) q.set("layers", on.join(","));
    q.set("embed", "1");
    var base = window.location.href.split(/[?#]/)[0];
    return base + "?" + q.toString().replace(/%2C/g, ",");
  }
  function updateEmbed() {
    if (!code) return;
    code.value = '<iframe src="' + attr(embedUrl()) + '" width="100%" height="480" style="border:0" ' +
      'title="云冈区地图 Yungang District Map" loading="lazy" allowfullscreen></iframe>';
  }
  var copy = document.getElementById("embed-copy");
  var copied = document.getElementById("embed-copied");
  if (copy) {
    copy.addEventListener("click", function () {
      code.select();  // selected at once, so Ctrl+C works even if the clipboard API is refused
      copied.textContent = "已选中 Selected";
      var done = function () { copied.textContent = "已复制 Copied"; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(code.value).then(done, function () {
          copied.textContent = "请按 Ctrl+C 复制 Press Ctrl+C to copy";
        });
      } else {
        copied.textContent = "已选中，请按 Ctrl+C 复制 Selected: press Ctrl+C to copy";
      }
    });
  }
  var full = document.getElementById("embed-full-map");
  if (full) {
    var q = new URLSearchParams(window.location.search);
    q.delete("embed");
    full.setAttribute("href", window.location.href.split(/[?#]/)[0] + (q.toString() ? "?" + q.toString() : ""));
  }

  function update() { updateExports(); updateEmbed(); }
  map.on("overlayadd overlayremove", update);
  update();
})();
