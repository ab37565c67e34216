/* The selected site: marked in the list, its popup open, in the address (site=). */
(function (app) {
  "use strict";

  const {$, SEL} = window.WebMapIds, {url} = window.WebMapUtil;
  const map = app.map;

  /* Select a site (null: none). From the list: move the map to it and open its popup. */
  function select(id, fromList) {
    app.store.dispatch("siteSelected", id);
    markCurrent(id, !fromList);
    if (!fromList || !id) return;
    const f = app.data.byId[id], markers = app.markers.markers;
    if (!f.geometry) { window.location.href = url(app.config.sitePageUrl, {ID: id}); return; }
    if (app.phone) app.sheet.set("peek");
    if (app.clustered && !(markers[id] && map.hasLayer(markers[id]))) {
      // Inside a cluster: zoom in to where it is drawn on its own.
      map.setView(app.markers.latlngOf(id), Math.max(map.getZoom(), app.clusters.MAX_ZOOM + 1), {animate: false});
      app.clusters.render();
    }
    const marker = markers[id];
    if (!map.getBounds().pad(-0.1).contains(marker.getLatLng())) map.setView(marker.getLatLng(), map.getZoom());
    marker.openPopup();
    const title = document.querySelector(SEL.popupTitle);
    if (title) title.focus();
  }

  function markCurrent(id, scroll) {
    document.querySelectorAll(SEL.currentItem).forEach((li) => li.removeAttribute("aria-current"));
    if (!id) return;
    const li = $("siteList").querySelector(`li[data-site-id="${CSS.escape(id)}"]`);
    if (li) { li.setAttribute("aria-current", "true"); if (scroll && !app.phone) li.scrollIntoView({block: "nearest"}); }
  }

  function focusListItem(id) {
    const button = $("siteList").querySelector(`button[data-site-id="${CSS.escape(id)}"]`);
    if (button) button.focus();
  }

  /* Fit the map to these sites. */
  function fitTo(ids) {
    const byId = app.data.byId;
    const pts = ids.filter((id) => byId[id] && byId[id].geometry).map(app.markers.latlngOf);
    // On phones, above the sheet (and the card) that cover the map's lower part.
    if (pts.length) {
      map.fitBounds(L.latLngBounds(pts).pad(0.3),
                    {maxZoom: 13, animate: false, paddingBottomRight: [0, app.card.covered()]});
    }
  }

  app.selection = {select, focusListItem, fitTo};
})(window.WebMapApp);
