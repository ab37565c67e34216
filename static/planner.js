/* Field-trip planner on the map page. Uses map.js's extension API (WebMap.on ready/popup,
 * WebMap.el); the server does all planning (POST /api/trips/plan).
 *
 * Safety rule, as in map.js: data text reaches the page only through textContent and DOM
 * nodes built with WebMap.el, never through an HTML string.
 *
 * The trip lives in the URL (?trip=a,b&mode=coach&start=08:30&from=…&to=…&date=…&visit=a:30
 * &theme=…), so a copied link restores it. Other query parameters are left alone.
 */
(function () {
  "use strict";

  var WebMap = window.WebMap;
  var root = document.getElementById("planner");
  if (!WebMap || !root) return;
  var el = WebMap.el, map = WebMap.map;
  var urls = {trips: root.getAttribute("data-trips-url"), plan: root.getAttribute("data-plan-url")};
  var KEYS = window.WebMapParams.owned("planner");  // the URL parameters this script owns (js/params.js)
  var msg = WebMap.t, tr = WebMap.tr;  // interface strings (message catalogue) and content in the page's language
  // Travel modes come from the page config (config.modes: [{id, label}]) when the server
  // sends them; otherwise the three the planner has always offered, labelled from the catalogue.
  // sends them (the mode menu is then rebuilt from them); otherwise the menu in the template.
  var MODES = {walk: true, coach: true, car: true};
  var configModes = Array.isArray(WebMap.config.modes) && WebMap.config.modes.length ? WebMap.config.modes : null;
  if (configModes) {
    MODES = {};
    configModes.forEach(function (m) { MODES[m.id] = true; });
  }
  function fillModeMenu(select) {
    if (!configModes) return;
    clear(select);
    configModes.forEach(function (m) {
      var label = m.label && typeof m.label === "object" ? tr(m.label) : String(m.label || m.id);
      select.appendChild(el("option", {value: m.id}, label));
    });
  }

  var byId = {}, book = null, lastPlan = null, saved = null, pickTarget = null, seq = 0;
  var state = {stops: [], mode: "coach", start: "09:00", from: "", to: "", date: "", visit: {}, theme: ""};
  var overlay = L.layerGroup().addTo(map);

  function $(id) { return document.getElementById(id); }
  function km(m) { return (m / 1000).toFixed(1); }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function maxStops() { return book ? book.max_stops : 25; }

  /* ---- URL <-> state ------------------------------------------------ */
  function readUrl() {
    var q = new URLSearchParams(window.location.search);
    var s = {stops: [], mode: "coach", start: "09:00", from: "", to: "", date: "", visit: {}, theme: ""};
    var dropped = [];
    (q.get("trip") || "").split(",").forEach(function (id) {
      if (!id) return;
      if (byId[id] && byId[id].geometry && s.stops.indexOf(id) < 0 && s.stops.length < maxStops()) s.stops.push(id);
      else dropped.push(id);
    });
    if (MODES[q.get("mode")]) s.mode = q.get("mode");
    if (/^\d\d:\d\d$/.test(q.get("start") || "")) s.start = q.get("start");
    s.from = q.get("from") || "";
    s.to = q.get("to") || "";
    if (/^\d{4}-\d\d-\d\d$/.test(q.get("date") || "")) s.date = q.get("date");
    (q.get("visit") || "").split(",").forEach(function (pair) {
      var parts = pair.split(":");
      if (parts.length === 2 && s.stops.indexOf(parts[0]) >= 0 && /^\d+$/.test(parts[1])) s.visit[parts[0]] = +parts[1];
    });
    s.theme = q.get("trip_theme") || "";
    return {state: s, dropped: dropped};
  }

  function query(s) {
    var q = new URLSearchParams();
    q.set("trip", s.stops.join(","));
    q.set("mode", s.mode);
    q.set("start", s.start);
    if (s.from) q.set("from", s.from);
    if (s.to) q.set("to", s.to);
    if (s.date) q.set("date", s.date);
    if (s.theme) q.set("trip_theme", s.theme);
    var visits = s.stops.filter(function (id) { return s.visit[id] !== undefined; })
                        .map(function (id) { return id + ":" + s.visit[id]; });
    if (visits.length) q.set("visit", visits.join(","));
    return q.toString().replace(/%2C/g, ",").replace(/%3A/g, ":");
  }

  function writeUrl() {
    var q = new URLSearchParams(window.location.search);
    KEYS.forEach(function (k) { q.delete(k); });
    if (state.stops.length) new URLSearchParams(query(state)).forEach(function (v, k) { q.set(k, v); });
    var text = q.toString().replace(/%2C/g, ",").replace(/%3A/g, ":");
    history.replaceState(null, "", window.location.pathname + (text ? "?" + text : "") + window.location.hash);
  }

  /* ---- changing the trip --------------------------------------------- */
  function changed(keepSaved) {
    if (!keepSaved) saved = null;
    writeUrl();
    renderList();
    replan();
  }
  function inTrip(id) { return state.stops.indexOf(id) >= 0; }
  function add(id) {
    if (inTrip(id) || state.stops.length >= maxStops()) return;
    state.stops.push(id);
    // A themed trip stays themed when changed: its title and the reasons of the stops
    // that have one still apply.
    changed();
  }
  function remove(id) {
    state.stops = state.stops.filter(function (x) { return x !== id; });
    delete state.visit[id];
    state.theme = state.stops.length ? state.theme : "";
    changed();
  }
  function move(from, to) {
    if (to < 0 || to >= state.stops.length || from === to) return;
    var id = state.stops.splice(from, 1)[0];
    state.stops.splice(to, 0, id);
    changed();
  }

  /* ---- popups: "Add to trip" ----------------------------------------- */
  function popupButton(rootEl, feature) {
    var box = el("div", {class: "trip-add"});
    var p = feature.properties;
    if (!feature.geometry) {
      box.appendChild(el("button", {type: "button", disabled: "disabled"}, msg("addToTrip")));
      box.appendChild(el("span", {class: "why"}, msg("cannotBeStop")));
    } else {
      var label = function () {
        return [msg(inTrip(feature.id) ? "removeFromTrip" : "addToTrip")];
      };
      var btn = el("button", {type: "button", "data-trip-add": feature.id});
      var paint = function () {
        clear(btn);
        label().forEach(function (n) { btn.appendChild(typeof n === "string" ? document.createTextNode(n) : n); });
        var full = !inTrip(feature.id) && state.stops.length >= maxStops();
        btn.disabled = full;
        btn.title = full ? msg("maxStops", {n: maxStops()}) : "";
      };
      paint();
      btn.addEventListener("click", function () {
        if (inTrip(feature.id)) remove(feature.id); else add(feature.id);
        paint();
        // The panel is not opened here: it would cover the map the user is picking from.
        // The count in its heading says the stop was added.
      });
      box.appendChild(btn);
      if (p.location.precision !== "site") {
        box.appendChild(el("span", {class: "why"}, msg("approxStop")));
      }
    }
    rootEl.appendChild(box);
  }

  function markUnlocatedList() {
    var items = document.querySelectorAll("#unlocated-list li[data-site-id]");
    Array.prototype.forEach.call(items, function (li) {
      if (li.querySelector(".trip-add-disabled")) return;  // marked already
      li.appendChild(el("button", {type: "button", class: "trip-add-disabled", disabled: "disabled",
                                   title: msg("cannotBeStop")},
                        msg("cannotAdd")));
    });
  }

  /* ---- the trip list -------------------------------------------------- */
  var dragFrom = null, themesTouched = false;
  function renderList() {
    var list = clear($("trip-list"));
    $("trip-count").textContent = String(state.stops.length);
    $("trip-empty").hidden = state.stops.length > 0;
    $("trip-actions").hidden = state.stops.length === 0;
    if (state.stops.length && !themesTouched) $("trip-themes-box").open = false;
    state.stops.forEach(function (id, i) {
      var f = byId[id], p = f.properties;
      var defaultMinutes = book ? book.visit_minutes[p.layer] : 30;
      var visit = el("input", {type: "number", class: "visit", min: "0", max: "600", step: "5",
                               value: String(state.visit[id] !== undefined ? state.visit[id] : defaultMinutes),
                               "aria-label": msg("visitMinutesFor", {name: tr(p.name)})});
      visit.addEventListener("mousedown", function (e) { e.stopPropagation(); });
      visit.addEventListener("change", function () {
        var n = parseInt(visit.value, 10);
        if (isNaN(n) || n < 0 || n > 600) { visit.value = String(state.visit[id] !== undefined ? state.visit[id] : defaultMinutes); return; }
        state.visit[id] = n;
        // Not changed(): rebuilding the list would remove this focused input mid-event.
        writeUrl();
        replan();
      });
      var up = el("button", {type: "button", class: "up", "aria-label": msg("moveUpName", {name: tr(p.name)}),
                             title: msg("moveUp")}, "↑");
      var down = el("button", {type: "button", class: "down", "aria-label": msg("moveDownName", {name: tr(p.name)}),
                               title: msg("moveDown")}, "↓");
      var del = el("button", {type: "button", class: "remove", "aria-label": msg("removeName", {name: tr(p.name)}),
                              title: msg("removeStop")}, "✕");
      up.disabled = i === 0;
      down.disabled = i === state.stops.length - 1;
      up.addEventListener("click", function () { move(i, i - 1); focusLater(i - 1, "up"); });
      down.addEventListener("click", function () { move(i, i + 1); focusLater(i + 1, "down"); });
      del.addEventListener("click", function () { remove(id); });
      var li = el("li", {draggable: "true", "data-site-id": id},
        el("span", {class: "stop-no", "aria-hidden": "true"}, String(i + 1)),
        el("span", {class: "stop-name"}, tr(p.name),
           p.location.precision !== "site" ? el("span", {class: "approx-flag"}, msg("approxShort")) : null),
        el("span", {class: "stop-controls"}, el("label", {class: "en"}, msg("visitLabel") + " ", visit, " " + msg("minutes")),
           up, down, del));
      li.addEventListener("dragstart", function (e) {
        dragFrom = i; li.classList.add("dragging");
        e.dataTransfer.effectAllowed = "move";
        e.dataTransfer.setData("text/plain", id);
      });
      li.addEventListener("dragend", function () { li.classList.remove("dragging"); });
      li.addEventListener("dragover", function (e) { e.preventDefault(); li.classList.add("drop-before"); });
      li.addEventListener("dragleave", function () { li.classList.remove("drop-before"); });
      li.addEventListener("drop", function (e) {
        e.preventDefault();
        li.classList.remove("drop-before");
        if (dragFrom !== null) move(dragFrom, i);
        dragFrom = null;
      });
      list.appendChild(li);
    });
  }
  function focusLater(index, cls) {
    var items = $("trip-list").children;
    var target = items[Math.max(0, Math.min(index, items.length - 1))];
    var btn = target && target.querySelector("button." + cls + ":not(:disabled)");
    (btn || (target && target.querySelector("button.remove")) || root).focus();
  }

  /* ---- controls: mode, time, start/end, themed trips ------------------ */
  function endpointOptions(select, which) {
    clear(select);
    select.appendChild(el("option", {value: ""}, msg(which === "from" ? "firstStop" : "lastStop")));
    select.appendChild(el("option", {value: "@pick"}, msg("pickOnMap")));
    select.appendChild(el("option", {value: "@here"}, msg("myLocationOption")));
    var value = state[which];
    if (/^-?\d/.test(value)) select.appendChild(el("option", {value: value}, msg("pickedPoint", {point: value})));
    var group = el("optgroup", {label: msg("townsStreets")});
    (book ? book.anchors : []).forEach(function (a) {
      group.appendChild(el("option", {value: a.id}, tr(a.name)));
    });
    select.appendChild(group);
    select.value = value;
    if (select.value !== value) { select.value = ""; state[which] = ""; }
  }

  function setEndpoint(which, value) {
    state[which] = value;
    endpointOptions($("trip-" + which), which);
    changed();
  }

  function onEndpoint(which) {
    var select = $("trip-" + which), v = select.value;
    $("trip-pick-hint").hidden = true;
    if (v === "@pick") {
      pickTarget = which;
      document.body.classList.add("trip-pick-active");
      $("trip-pick-hint").hidden = false;
      return;
    }
    if (v === "@here") {
      if (!navigator.geolocation) { showError(msg("geoUnavailable")); select.value = state[which]; return; }
      navigator.geolocation.getCurrentPosition(function (pos) {
        setEndpoint(which, pos.coords.longitude.toFixed(6) + "," + pos.coords.latitude.toFixed(6));
      }, function (err) {
        showError(msg("geoFailed", {message: err.message}));
        select.value = state[which];
      }, {timeout: 10000});
      return;
    }
    setEndpoint(which, v);
  }

  map.on("click", function (e) {
    if (!pickTarget) return;
    var which = pickTarget;
    pickTarget = null;
    document.body.classList.remove("trip-pick-active");
    $("trip-pick-hint").hidden = true;
    setEndpoint(which, e.latlng.lng.toFixed(6) + "," + e.latlng.lat.toFixed(6));
  });

  function renderThemes() {
    var list = clear($("trip-themes"));
    (book ? book.trips : []).forEach(function (t) {
      var btn = el("button", {type: "button", "data-theme": t.id, title: msg("loadTrip", {title: tr(t.title)})},
                   tr(t.title) + " (" + msg("stopsCount", {n: t.stops.length}) + ")");
      btn.addEventListener("click", function () { loadTheme(t); });
      list.appendChild(el("li", {}, btn));
    });
  }

  function loadTheme(t) {
    state = {stops: t.stops.map(function (s) { return s.site; }), mode: t.mode, start: t.start_time,
             from: t.start || "", to: "", date: state.date, visit: {}, theme: t.id};
    t.stops.forEach(function (s) { if (s.visit_minutes !== undefined) state.visit[s.site] = s.visit_minutes; });
    syncControls();
    changed();
    showThemeNote(t);
  }

  function showThemeNote(t) {
    var text = clear($("trip-theme-text"));
    text.appendChild(document.createTextNode(tr(t.description)));
    $("trip-theme-note").hidden = false;
    $("trip-theme-note").open = !window.matchMedia("(max-width: 600px)").matches;
  }

  function syncControls() {
    $("trip-mode").value = state.mode;
    $("trip-start").value = state.start;
    $("trip-date").value = state.date;
    endpointOptions($("trip-from"), "from");
    endpointOptions($("trip-to"), "to");
    $("trip-theme-note").hidden = true;
  }

  /* ---- planning -------------------------------------------------------- */
  function body(optimise) {
    var b = {stops: state.stops, mode: state.mode, start_time: state.start, visit_minutes: {}, optimise: !!optimise};
    state.stops.forEach(function (id) { if (state.visit[id] !== undefined) b.visit_minutes[id] = state.visit[id]; });
    [["from", "start"], ["to", "end"]].forEach(function (pair) {
      var v = state[pair[0]];
      var m = /^(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)$/.exec(v);
      if (m) b[pair[1]] = {lon: +m[1], lat: +m[2]};
      else if (v) b[pair[1]] = v;
    });
    if (state.date) b.date = state.date;
    if (state.theme) b.theme = state.theme;
    return b;
  }

  function request(optimise) {
    var mine = ++seq;
    root.setAttribute("data-plan-state", "loading");
    return fetch(urls.plan, {method: "POST", headers: {"Content-Type": "application/json", Accept: "application/json"},
                             body: JSON.stringify(body(optimise))})
      .then(function (resp) {
        return resp.json().then(function (data) { return {ok: resp.ok, data: data}; });
      })
      .then(function (r) {
        if (mine !== seq) return null;  // a newer request is under way
        if (!r.ok) throw new Error(r.data && r.data.error ? r.data.error.message : "HTTP error");
        return r.data;
      });
  }

  function replan() {
    $("trip-error").hidden = true;
    if (!state.stops.length) {
      lastPlan = null;
      clear($("trip-result"));
      overlay.clearLayers();
      root.setAttribute("data-plan-state", "empty");
      return;
    }
    request(false).then(function (plan) {
      if (!plan) return;
      lastPlan = plan;
      renderPlan(plan);
      root.setAttribute("data-plan-state", "ok");
    }).catch(function (err) { showError(err.message); });
  }

  function bestOrder() {
    if (state.stops.length < 2) return;
    request(true).then(function (plan) {
      if (!plan) return;
      state.stops = plan.order.slice();
      saved = plan.distance_saved_m;
      writeUrl();
      renderList();
      lastPlan = plan;
      renderPlan(plan);
      root.setAttribute("data-plan-state", "ok");
    }).catch(function (err) { showError(err.message); });
  }

  function showError(message) {
    var box = $("trip-error");
    box.textContent = message;
    box.hidden = false;
    root.setAttribute("data-plan-state", "error");
  }

  function renderPlan(plan) {
    var out = clear($("trip-result"));
    var t = plan.totals;
    out.appendChild(el("p", {class: "trip-summary"},
      msg("tripTotals", {start: t.start, end: t.end, km: km(t.road_m_estimate), travel: t.travel_minutes_estimate,
                         visit: t.visit_minutes}) + " ",
      el("span", {class: "estimate-tag", title: tr(plan.estimate.note)}, msg("estimate"))));
    if (saved !== null) {
      out.appendChild(el("p", {class: "trip-saved", id: "trip-saved"},
        saved > 0 ? msg("bestOrderSaves", {km: km(saved)}) : msg("alreadyShortest")));
    }
    if (plan.warnings.length) {
      var ul = el("ul", {class: "trip-warnings"});
      plan.warnings.forEach(function (w) { ul.appendChild(el("li", {}, tr(w))); });
      out.appendChild(ul);
    }
    var table = el("table", {class: "trip-schedule", id: "trip-schedule"},
      el("thead", {}, el("tr", {}, el("th", {}, "#"), el("th", {}, msg("thStop")), el("th", {}, msg("thTimes")),
                                   el("th", {}, msg("thLeg")))));
    var tbody = el("tbody");
    var legTo = {};
    plan.legs.forEach(function (leg) { legTo[leg.to] = legTo[leg.to] || leg; });
    var rows = [];
    if (plan.start) rows.push({kind: "start", p: plan.start});
    plan.stops.forEach(function (s) { rows.push({kind: "stop", p: s}); });
    if (plan.end) rows.push({kind: "end", p: plan.end});
    var n = 0;
    rows.forEach(function (row, i) {
      var p = row.p, leg = i > 0 ? plan.legs[i - 1] : null;
      var label = row.kind === "stop" ? String(++n) : msg(row.kind === "start" ? "startShort" : "endShort");
      var time = row.kind === "stop" ? p.arrive + "–" + p.depart : (row.kind === "start" ? t.start : t.end);
      var legCell = el("td", {});
      if (leg) {
        legCell.appendChild(document.createTextNode(msg("legText", {km: km(leg.road_m_estimate),
                                                                    min: leg.minutes_estimate}) + " "));
        legCell.appendChild(el("a", {href: leg.amap_url, target: "_blank", rel: "noopener noreferrer",
                                     title: msg("navigateLeg")}, msg("amap")));
      }
      tbody.appendChild(el("tr", {"data-kind": row.kind, "data-id": p.id}, el("td", {}, label), el("td", {}, tr(p.name)),
                           el("td", {}, time), legCell));
    });
    table.appendChild(tbody);
    out.appendChild(table);
    var links = plan.links;
    out.appendChild(el("p", {class: "trip-links"},
      el("a", {href: links.itinerary, id: "trip-itinerary-link"}, msg("itinerary")),
      el("a", {href: links.gpx, download: ""}, "GPX"), el("a", {href: links.kml, download: ""}, "KML"),
      el("a", {href: links.ics, download: ""}, msg("calendarIcs")), el("a", {href: links.csv, download: ""}, "CSV")));
    drawOverlay(plan);
  }

  function drawOverlay(plan) {
    overlay.clearLayers();
    var pts = [];
    if (plan.start) pts.push(plan.start);
    pts = pts.concat(plan.stops);
    if (plan.end) pts.push(plan.end);
    L.polyline(pts.map(function (p) { return [p.lat, p.lon]; }),
               {color: "#1d2327", weight: 2.5, dashArray: "6 5", interactive: false, className: "trip-route"}).addTo(overlay);
    plan.stops.forEach(function (s, i) {
      // Sit the number on the top-right of the site's own marker, which map.js may have
      // fanned out around a shared approximate point (WebMap.markerOffset says by how much).
      var off = WebMap.markerOffset(s.id);
      var icon = L.divIcon({html: el("span", {}, String(i + 1)), className: "trip-marker", iconSize: [22, 22],
                            iconAnchor: [11 - off[0] - 15, 11 - off[1] + 15]});
      L.marker([s.lat, s.lon], {icon: icon, interactive: false, keyboard: false}).addTo(overlay);
    });
  }

  /* ---- start-up ------------------------------------------------------- */
  WebMap.on("popup", popupButton);
  WebMap.on("list", markUnlocatedList);  // the list is redrawn whenever the selection changes
  WebMap.on("ready", function (features) {
    features.forEach(function (f) { byId[f.id] = f; });
    markUnlocatedList();  // the list may have been drawn before this script subscribed
    fetch(urls.trips, {headers: {Accept: "application/json"}})
      .then(function (resp) { if (!resp.ok) throw new Error("HTTP " + resp.status); return resp.json(); })
      .then(function (data) {
        book = data;
        var restored = readUrl();
        state = restored.state;
        fillModeMenu($("trip-mode"));
        renderThemes();
        syncControls();
        (book.trips || []).forEach(function (t) { if (t.id === state.theme) showThemeNote(t); });
        $("trip-mode").addEventListener("change", function () { state.mode = $("trip-mode").value; changed(); });
        $("trip-start").addEventListener("change", function () {
          if (/^\d\d:\d\d$/.test($("trip-start").value)) { state.start = $("trip-start").value; changed(true); }
        });
        $("trip-date").addEventListener("change", function () { state.date = $("trip-date").value; changed(true); });
        $("trip-from").addEventListener("change", function () { onEndpoint("from"); });
        $("trip-to").addEventListener("change", function () { onEndpoint("to"); });
        $("trip-best").addEventListener("click", bestOrder);
        $("trip-themes-box").querySelector("summary").addEventListener("click", function () { themesTouched = true; });
        $("trip-clear").addEventListener("click", function () {
          state.stops = []; state.visit = {}; state.theme = ""; $("trip-theme-note").hidden = true; changed();
        });
        if (restored.dropped.length) {
          $("trip-notice").hidden = false;
          $("trip-notice").textContent = msg("droppedStops", {n: restored.dropped.length,
                                                              ids: restored.dropped.join(", ")});
        }
        if (state.stops.length) {
          // A shared trip link: show the trip, fold the legend to make room.
          $("planner-box").open = true;
          var legend = $("legend-box");
          if (legend) legend.open = false;
        }
        writeUrl();  // the link now says exactly what was restored
        renderList();
        replan();
        if (!state.stops.length) root.setAttribute("data-plan-state", "empty");
        root.setAttribute("data-ready", "true");
      })
      .catch(function (err) { showError(msg("plannerLoadFailed", {message: err.message})); });
  });
})();
