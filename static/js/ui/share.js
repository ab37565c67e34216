/* The share box (link, copy, QR code) and, on phones, the bottom sheet. */
(function (app) {
  "use strict";

  const {$} = window.WebMapIds, {t} = app.i18n;

  function update() {
    // The public address (the server's public origin) with this view's query, whichever host served the page.
    const base = app.config.shareUrl || window.location.href.split(/[?#]/)[0];
    const link = base + window.location.search + window.location.hash;
    $("shareUrl").value = link;
    // The static copy has no server to draw the QR code and, from file://, no address a
    // phone could open: it goes without (config.qrUrl is null; docs/frontend.md).
    if (!app.config.qrUrl) { $("shareQr").hidden = true; return; }
    $("shareQr").src = app.config.qrUrl + "?url=" + encodeURIComponent(link);
  }
  /* After each write of the address (js/core/url.js): an open share box follows it. */
  function follow() { if (!$("share").hidden) update(); }

  function setSheet(open) {
    document.body.classList.toggle("sheet-open", open);
    $("sheetToggle").setAttribute("aria-expanded", String(open));
    $("sheetLabel").textContent = open ? t("showMap") : t("showList");
  }

  function init() {
    $("shareButton").addEventListener("click", () => {
      const open = $("share").hidden;
      $("share").hidden = !open;
      $("shareButton").setAttribute("aria-expanded", String(open));
      if (open) { update(); if (app.phone) setSheet(true); $("shareUrl").focus(); $("shareUrl").select(); }
    });
    $("copyLink").addEventListener("click", () => {
      const done = (msg) => { $("copyStatus").textContent = msg; };
      const fallback = () => { $("shareUrl").select(); done(t("copyFailed")); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText($("shareUrl").value).then(() => done(t("copied")), fallback);
      } else {
        fallback();
      }
    });
    $("sheetToggle").addEventListener("click", () => setSheet(!document.body.classList.contains("sheet-open")));
  }

  app.share = {init, follow};
  app.sheet = {set: setSheet};
})(window.WebMapApp);
