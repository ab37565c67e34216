/* Every element id the map page's scripts look up, in one table (the templates own the
 * elements: templates/map.html, map_opendata.html, planner_panel.html). A renamed id is
 * a change here and in the template, nowhere else.
 *
 * Classic script: it sets window.WebMapIds and must load first (templates/map_scripts.html).
 */
(function () {
  "use strict";

  const ID = Object.freeze({
    config: "webmap-config",
    sites: "webmap-sites",  // the sites the map draws, in the page while they are few (webmap/web/pages.py)
    later: "webmap-later",  // the scripts static/map.js loads once the first markers are drawn
    // top bar
    search: "search", searchForm: "search-form", langSwitch: "lang-switch", shareButton: "share-button",
    linkNotice: "link-notice",  // what a link asked for that could not be used (js/core/url.js)
    // sidebar
    sidebar: "sidebar", sheetToggle: "sheet-toggle", sheetLabel: "sheet-label", sidebarBody: "sidebar-body",
    status: "status",
    siteCard: "site-card",  // phones: the selected site's card (js/ui/card.js)
    share: "share", shareUrl: "share-url", copyLink: "copy-link", copyStatus: "copy-status", shareQr: "share-qr",
    filterCount: "filter-count", facets: "facets", clearFilters: "clear-filters",
    nearMe: "near-me", radius: "radius", nearStatus: "near-status", nearLabel: "near-label", nearClear: "near-clear",
    resultsTitle: "results-title", sort: "sort", sortNote: "sort-note", siteList: "site-list", listMore: "list-more",
    nothingFound: "nothing-found", unlocated: "unlocated", unlocatedCount: "unlocated-count",
    unlocatedList: "unlocated-list", legendBox: "legend-box",
    // open data (export.js)
    exportLinks: "export-links", exportSelection: "export-selection", embedCode: "embed-code",
    embedCopy: "embed-copy", embedCopied: "embed-copied", embedFullMap: "embed-full-map",
    // trip planner (planner.js, js/planner/)
    planner: "planner", plannerBox: "planner-box", tripList: "trip-list", tripCount: "trip-count",
    tripEmpty: "trip-empty", tripActions: "trip-actions", tripThemesBox: "trip-themes-box", tripThemes: "trip-themes",
    tripThemeNote: "trip-theme-note", tripThemeText: "trip-theme-text", tripMode: "trip-mode",
    tripStart: "trip-start", tripDate: "trip-date", tripFrom: "trip-from", tripTo: "trip-to",
    tripPickHint: "trip-pick-hint", tripBest: "trip-best", tripClear: "trip-clear",
    tripError: "trip-error", tripResult: "trip-result",
  });

  /* Selectors over elements the scripts build themselves (list items, popups). */
  const SEL = Object.freeze({
    listButton: ".site-list button",
    currentItem: ".site-list li[aria-current]",
    skipLink: ".skip-link",
    nearby: ".nearby",
    popupTitle: ".leaflet-popup-content .popup-title",
  });

  /* $("siteList"): the element of a key of ID (never a raw id, so every id stays here). */
  const $ = (key) => {
    if (!(key in ID)) throw new Error("unknown element key " + key);
    return document.getElementById(ID[key]);
  };

  window.WebMapIds = {ID, SEL, $};
})();
