/* A site's story on phones: the same Leaflet popup (same content builder, js/ui/popup.js;
 * same popupopen/popupclose events, so selection, the address and the planner's part work
 * unchanged), but docked as a card at the bottom of the screen instead of a bubble over
 * the map. The card lives in #site-card, outside the map's panes (so it never moves with
 * the map and can scroll by touch), above the list sheet's peek bar. On desktops the
 * popup is Leaflet's own. The layout follows the viewport live (matchMedia): crossing
 * 760 px moves an open popup into the card and back. See docs/frontend.md "Phones". */
(function (app) {
  "use strict";

  const {$} = window.WebMapIds, {t} = app.i18n;
  const map = app.map, QUERY = "(max-width: 760px)";
  const proto = L.Popup.prototype;
  const visible = (node) => node && node.isConnected && node.getClientRects().length > 0;

  /* Desktop popups: clear of the map controls (computed when each opens: the window may
   * have been resized since the marker was made). */
  function desktopOptions() {
    return {maxWidth: Math.min(340, window.innerWidth - 48),
            maxHeight: Math.max(180, Math.round(map.getContainer().getBoundingClientRect().height - 76)),
            autoPanPaddingTopLeft: [16, 16], autoPanPaddingBottomRight: [16, 16]};
  }

  const SitePopup = L.Popup.extend({
    options: {className: "site-popup"},

    getPane(name) { return !name && app.phone ? $("siteCard") : proto.getPane.call(this, name); },

    _initLayout() {
      proto._initLayout.call(this);
      const close = this._closeButton;
      close.setAttribute("aria-label", t("cardClose"));
      close.title = t("cardClose");
      // A role=button link: Space presses it too.
      close.addEventListener("keydown", (e) => {
        if (e.key === " ") { e.preventDefault(); this.close(); }
      });
      this._container.addEventListener("keydown", (e) => {
        if (e.key === "Escape" && app.phone) { e.stopPropagation(); this.close(); }
      });
    },

    onAdd(mapArg) {
      if (!app.phone) Object.assign(this.options, desktopOptions());
      const had = document.activeElement;
      this._opener = had && had !== document.body && !$("siteCard").contains(had) ? had : this._opener;
      if (app.phone) app.sheet.set("peek");  // before the card is placed above it
      if (this._container) this._dress();
      proto.onAdd.call(this, mapArg);
      this._dress();
      if (app.phone) this._focusTitle();
      layout();
    },

    onRemove(mapArg) {
      const inside = this._container.contains(document.activeElement);
      proto.onRemove.call(this, mapArg);
      if ($("siteCard").contains(this._container)) {
        // No fade in the card: it would keep its room (and the focus) for 200 ms.
        clearTimeout(this._removeTimeout);
        L.DomUtil.remove(this._container);
        if (inside) this._giveFocusBack();
      }
      this._opener = null;
      layout();
    },

    /* Back where the visitor was: the list item or marker that opened the card if it is
     * still shown (the peek sheet hides the list), else the site's marker, else the toggle. */
    _giveFocusBack() {
      const marker = this._source && this._source.getElement && this._source.getElement();
      const target = [this._opener, marker, $("sheetToggle")].find(visible);
      if (target) target.focus({preventScroll: true});
    },

    /* The card's or the bubble's attributes, each time it opens or changes place. */
    _dress() {
      const c = this._container, card = app.phone;
      c.classList.toggle("site-card-popup", card);
      // In the card the close button comes first (a Tab away from the title), in the bubble last.
      if (this._closeButton) c.insertBefore(this._closeButton, card ? c.firstChild : null);
      if (card) { c.setAttribute("role", "region"); c.setAttribute("aria-label", t("cardLabel")); }
      else { c.removeAttribute("role"); c.removeAttribute("aria-label"); }
    },

    /* Built again (a late "popup" subscriber, cluster mode's full text): the focus stays in
     * the card. */
    update() {
      const had = app.phone && this._container && this._container.contains(document.activeElement);
      proto.update.call(this);
      if (had && !this._container.contains(document.activeElement)) this._focusTitle();
    },
    _focusTitle() {
      const title = this._container.querySelector(".popup-title");
      if (title) title.focus({preventScroll: true});
    },

    _updateLayout() {
      if (!app.phone) { proto._updateLayout.call(this); return; }
      const s = this._contentNode.style;
      s.width = s.height = s.whiteSpace = "";
      this._contentNode.classList.remove("leaflet-popup-scrolled");
      this._containerWidth = this._container.offsetWidth;
    },
    _updatePosition() {
      if (!app.phone) { proto._updatePosition.call(this); return; }
      const s = this._container.style;
      s.left = s.bottom = s.transform = "";
    },
    _animateZoom(e) { if (!app.phone) proto._animateZoom.call(this, e); },

    /* In the card: pan only if the marker is not in the map left visible above the card. */
    _adjustPan() {
      if (!app.phone) { proto._adjustPan.call(this); return; }
      if (!this._map || !this._latlng) return;
      const box = map.getContainer().getBoundingClientRect(), cardTop = $("siteCard").getBoundingClientRect().top;
      const p = map.latLngToContainerPoint(this._latlng), bottom = cardTop - box.top;
      const margin = 36, width = box.width;
      if (p.x >= margin && p.x <= width - margin && p.y >= margin + 20 && p.y <= bottom - margin) return;
      map.panBy([p.x - width / 2, p.y - bottom / 2]);
    },

    /* The viewport crossed 760 px: the open popup becomes the card, or the card a popup. */
    rehome() {
      if (!this._map || !this._container) return;
      if (!app.phone) Object.assign(this.options, desktopOptions());
      this.getPane().appendChild(this._container);
      if (app.phone) app.sheet.set("peek");
      this._dress();
      this.update();
    },
  });

  /* The bottom of the map the sheet (and an open card) cover, for the map's own bottom
   * controls (scale bar, attribution: kept above them) and for fitting views. */
  function layout() {
    const main = document.querySelector(".map-main");
    if (!main) return;
    markCovered();
    if (!app.phone) { ["--map-top", "--sheet-h", "--cover-h"].forEach((v) => main.style.removeProperty(v)); return; }
    const mainBox = main.getBoundingClientRect(), sheet = $("sidebar").getBoundingClientRect();
    const card = $("siteCard").getBoundingClientRect();
    const sheetH = Math.max(0, Math.ceil(mainBox.bottom - sheet.top));
    const coverH = card.height > 0 ? Math.ceil(mainBox.bottom - card.top) : sheetH;
    main.style.setProperty("--map-top", Math.round(mainBox.top) + "px");
    main.style.setProperty("--sheet-h", sheetH + "px");
    main.style.setProperty("--cover-h", coverH + "px");
  }
  /* The map's height left above the sheet and the card (px from the map's bottom). */
  function covered() {
    if (!app.phone) return 0;
    const box = map.getContainer().getBoundingClientRect();
    const tops = [$("sidebar"), $("siteCard")].map((n) => n.getBoundingClientRect())
      .filter((r) => r.height > 0).map((r) => r.top);
    return Math.max(0, Math.round(box.bottom - Math.min(box.bottom, ...tops)));
  }

  /* On a phone, markers the sheet or the card covers, wholly or in part, are no targets
   * until they are in view again: the sliver of a marker at the sheet's edge is too small
   * to tap (WCAG 2.5.8), and a covered one cannot be seen. Checked once per frame after
   * the layout or the map changed. */
  let marking = false;
  function markCovered() {
    // On a desktop there is nothing to cover; only marks left from a phone layout are undone.
    if (marking || (!app.phone && !map.getPane("markerPane").querySelector(".under-cover"))) return;
    marking = true;
    requestAnimationFrame(() => {
      marking = false;
      const edge = map.getContainer().getBoundingClientRect().bottom - covered();
      map.getPane("markerPane").querySelectorAll(".leaflet-marker-icon").forEach((icon) => {
        const under = app.phone && icon.getBoundingClientRect().bottom > edge;
        if (under === icon.classList.contains("under-cover")) return;
        icon.classList.toggle("under-cover", under);
        if (under) {
          icon.dataset.tabindex = icon.getAttribute("tabindex") || "0";
          icon.setAttribute("tabindex", "-1");
          icon.setAttribute("aria-hidden", "true");
        } else {
          icon.setAttribute("tabindex", icon.dataset.tabindex || "0");
          icon.removeAttribute("aria-hidden");
        }
      });
    });
  }

  function init() {
    map.on("moveend zoomend layeradd", markCovered);
    const mq = window.matchMedia(QUERY);
    app.phone = mq.matches;
    mq.addEventListener("change", () => {
      app.phone = mq.matches;
      document.body.classList.toggle("phone", app.phone);
      map.invalidateSize();
      const open = map._popup;
      if (open && open.isOpen() && open instanceof SitePopup) open.rehome();
      layout();
    });
    document.body.classList.toggle("phone", app.phone);
    if (window.ResizeObserver) {
      const watch = new ResizeObserver(layout);
      watch.observe($("sidebar"));
      watch.observe($("siteCard"));
    }
    window.addEventListener("resize", layout);
    // The link notice above the map changes where the map starts.
    if (window.ResizeObserver) new ResizeObserver(layout).observe($("linkNotice"));
    layout();
  }

  app.card = {SitePopup, init, layout, covered};
})(window.WebMapApp);
