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
  function showShare(open) {
    $("share").hidden = !open;
    $("shareButton").setAttribute("aria-expanded", String(open));
  }
  /* After each write of the address (js/core/url.js): an open share box follows it. */
  function follow() { if (!$("share").hidden) update(); }

  /* The phone's list sheet snaps to three heights: "peek" (the toggle and the summary
   * line; the map fills the rest), "half" and "full". The toggle steps through them;
   * aria-expanded and its label say the state. (On desktops the sidebar is a column and
   * the classes do nothing.) set(true) / set(false) still mean full / peek. */
  const SNAPS = ["peek", "half", "full"];
  const LABEL = {peek: "showList", half: "sheetExpand", full: "showMap"};
  let snap = "peek";
  function setSheet(to) {
    snap = to === true ? "full" : to === false ? "peek" : SNAPS.includes(to) ? to : "peek";
    const body = document.body;
    SNAPS.forEach((s) => body.classList.toggle("sheet-" + s, s === snap));
    body.classList.toggle("sheet-open", snap !== "peek");
    $("sheetToggle").setAttribute("aria-expanded", String(snap !== "peek"));
    $("sheetToggle").dataset.snap = snap;
    $("sheetLabel").textContent = t(LABEL[snap]);
    // On a phone the share box is part of the sheet: folded to its peek bar, it is closed.
    if (snap === "peek" && app.phone) showShare(false);
    if (app.card) app.card.layout();
  }
  const nextSnap = () => SNAPS[(SNAPS.indexOf(snap) + 1) % SNAPS.length];

  /* Nearby results (places near here, near me, a new radius): the sheet opens at least to
   * half, its list scrolled to the results' top. */
  function showResults() {
    if (!app.phone) return;
    if (snap === "peek") setSheet("half");
    const body = $("sidebarBody"), results = $("siteList").closest("section") || $("siteList");
    body.scrollTop += results.getBoundingClientRect().top - body.getBoundingClientRect().top;
  }
  function onChange(changed) {
    const s = app.store.state;
    if (changed.has("nearHits") && s.near && s.nearHits) showResults();
  }

  function init() {
    $("shareButton").addEventListener("click", () => {
      const open = $("share").hidden;
      showShare(open);
      if (open) { update(); if (app.phone) setSheet("full"); $("shareUrl").focus(); $("shareUrl").select(); }
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
    $("sheetToggle").addEventListener("click", () => setSheet(nextSnap()));
    setSheet(snap);
  }

  app.share = {init, follow};
  app.sheet = {set: setSheet, get: () => snap, onChange, showResults};
})(window.WebMapApp);
