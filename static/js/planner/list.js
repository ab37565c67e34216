/* The planner's lists: "Add to trip" in each popup, the "cannot be a stop" mark on the
 * places without a location, and the trip's own list (visit minutes, up/down, drag, remove). */
(function (app) {
  "use strict";

  const {$} = window.WebMapIds, WebMap = app.WebMap, el = WebMap.el, msg = WebMap.t, tr = WebMap.tr;
  const pl = app.planner, store = () => app.store;
  const clear = (node) => { node.replaceChildren(); return node; };

  const add = (id) => store().dispatch("stopAdded", {id, max: pl.maxStops()});
  const remove = (id) => store().dispatch("stopRemoved", id);
  const move = (from, to) => store().dispatch("stopMoved", {from, to});

  /* WebMap.on("popup"): the popup's "Add to trip" (or why not). */
  function popupButton(rootEl, feature) {
    const box = el("div", {class: "trip-add"});
    if (!feature.geometry) {
      box.append(el("button", {type: "button", disabled: "disabled"}, msg("addToTrip")),
                 el("span", {class: "why"}, msg("cannotBeStop")));
    } else {
      const btn = el("button", {type: "button", "data-trip-add": feature.id});
      const paint = () => {
        btn.textContent = msg(pl.inTrip(feature.id) ? "removeFromTrip" : "addToTrip");
        const full = !pl.inTrip(feature.id) && pl.trip().stops.length >= pl.maxStops();
        btn.disabled = full;
        btn.title = full ? msg("maxStops", {n: pl.maxStops()}) : "";
      };
      paint();
      btn.addEventListener("click", () => {
        if (pl.inTrip(feature.id)) remove(feature.id); else add(feature.id);
        paint();
        // The panel is not opened here: it would cover the map the user is picking from.
        // The count in its heading says the stop was added.
      });
      box.append(btn);
      if (feature.properties.location.precision !== "site") box.append(el("span", {class: "why"}, msg("approxStop")));
    }
    rootEl.append(box);
  }

  /* WebMap.on("list"): places without a location cannot be stops. */
  function markUnlocated() {
    $("unlocatedList").querySelectorAll("li[data-site-id]").forEach((li) => {
      if (li.querySelector(".trip-add-disabled")) return;  // marked already
      li.append(el("button", {type: "button", class: "trip-add-disabled", disabled: "disabled", title: msg("cannotBeStop")},
                   msg("cannotAdd")));
    });
  }

  let dragFrom = null;
  function visitInput(id, p) {
    const t = pl.trip(), def = pl.book ? pl.book.visit_minutes[p.layer] : 30;
    const now = () => String(pl.trip().visit[id] !== undefined ? pl.trip().visit[id] : def);
    const visit = el("input", {type: "number", class: "visit", min: "0", max: String(pl.VISIT_MAX), step: "5",
                               value: String(t.visit[id] !== undefined ? t.visit[id] : def),
                               "aria-label": msg("visitMinutesFor", {name: tr(p.name)})});
    visit.addEventListener("mousedown", (e) => e.stopPropagation());
    visit.addEventListener("change", () => {
      const n = parseInt(visit.value, 10);
      if (isNaN(n) || n < 0 || n > pl.VISIT_MAX) { visit.value = now(); return; }
      store().dispatch("visitSet", {id, minutes: n});
    });
    return visit;
  }
  function stopItem(id, i, n) {
    const p = pl.byId[id].properties;
    const button = (cls, label, title, text) => el("button", {type: "button", class: cls, "aria-label": label, title}, text);
    const up = button("up", msg("moveUpName", {name: tr(p.name)}), msg("moveUp"), "↑");
    const down = button("down", msg("moveDownName", {name: tr(p.name)}), msg("moveDown"), "↓");
    const del = button("remove", msg("removeName", {name: tr(p.name)}), msg("removeStop"), "✕");
    up.disabled = i === 0;
    down.disabled = i === n - 1;
    up.addEventListener("click", () => { move(i, i - 1); focusLater(i - 1, "up"); });
    down.addEventListener("click", () => { move(i, i + 1); focusLater(i + 1, "down"); });
    del.addEventListener("click", () => remove(id));
    const li = el("li", {draggable: "true", "data-site-id": id},
      el("span", {class: "stop-no", "aria-hidden": "true"}, String(i + 1)),
      el("span", {class: "stop-name"}, tr(p.name),
         p.location.precision !== "site" ? el("span", {class: "approx-flag"}, msg("approxShort")) : null),
      el("span", {class: "stop-controls"}, el("label", {class: "en"}, msg("visitLabel") + " ", visitInput(id, p), " " + msg("minutes")),
         up, down, del));
    li.addEventListener("dragstart", (e) => {
      dragFrom = i; li.classList.add("dragging");
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", id);
    });
    li.addEventListener("dragend", () => li.classList.remove("dragging"));
    li.addEventListener("dragover", (e) => { e.preventDefault(); li.classList.add("drop-before"); });
    li.addEventListener("dragleave", () => li.classList.remove("drop-before"));
    li.addEventListener("drop", (e) => {
      e.preventDefault();
      li.classList.remove("drop-before");
      if (dragFrom !== null) move(dragFrom, i);
      dragFrom = null;
    });
    return li;
  }

  let themesTouched = false;
  function render() {
    const stops = pl.trip().stops;
    $("tripCount").textContent = String(stops.length);
    $("tripEmpty").hidden = stops.length > 0;
    $("tripActions").hidden = stops.length === 0;
    if (stops.length && !themesTouched) $("tripThemesBox").open = false;
    clear($("tripList")).append(...stops.map((id, i) => stopItem(id, i, stops.length)));
  }
  /* Move the focus to a stop's button once the list has been redrawn (after this action). */
  function focusLater(index, cls) {
    queueMicrotask(() => {
      const items = $("tripList").children;
      const target = items[Math.max(0, Math.min(index, items.length - 1))];
      const btn = target && target.querySelector("button." + cls + ":not(:disabled)");
      (btn || (target && target.querySelector("button.remove")) || pl.root).focus();
    });
  }
  function touchThemes() { themesTouched = true; }

  Object.assign(app.planner, {popupButton, markUnlocated, renderList: render, touchThemes, clear});
})(window.WebMapApp);
