/* Planning: the request to POST /api/trips/plan, the schedule table, totals, warnings,
 * download links, and the route drawn on the map. */
(function (app) {
  "use strict";

  const {$} = window.WebMapIds, WebMap = app.WebMap, el = WebMap.el, msg = WebMap.t, tr = WebMap.tr;
  const pl = app.planner, map = app.map;
  const km = (m) => (m / 1000).toFixed(1);
  const overlay = L.layerGroup().addTo(map);
  let seq = 0, drawn = null;
  map.on("webmap:fanned", () => { if (drawn && overlay.getLayers().length) drawOverlay(drawn); });

  function body(optimise) {
    const t = pl.trip();
    const b = {stops: t.stops, mode: t.mode, start_time: t.start, visit_minutes: {}, optimise: !!optimise};
    t.stops.forEach((id) => { if (t.visit[id] !== undefined) b.visit_minutes[id] = t.visit[id]; });
    [["from", "start"], ["to", "end"]].forEach(([key, field]) => {
      const v = t[key], m = /^(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)$/.exec(v);
      if (m) b[field] = {lon: +m[1], lat: +m[2]};
      else if (v) b[field] = v;
    });
    if (t.date) b.date = t.date;
    if (t.theme) b.theme = t.theme;
    return b;
  }

  function request(optimise) {
    const mine = ++seq;
    pl.root.setAttribute("data-plan-state", "loading");
    return fetch(pl.urls.plan, {method: "POST", headers: {"Content-Type": "application/json", Accept: "application/json"},
                                body: JSON.stringify(body(optimise))})
      .then((resp) => resp.json().then((data) => ({ok: resp.ok, data})))
      .then((r) => {
        if (mine !== seq) return null;  // a newer request is under way
        if (!r.ok) throw new Error(r.data && r.data.error ? r.data.error.message : "HTTP error");
        return r.data;
      });
  }

  function shown(plan) {
    renderPlan(plan);
    pl.root.setAttribute("data-plan-state", "ok");
  }

  function replan() {
    $("tripError").hidden = true;
    if (!pl.trip().stops.length) {
      $("tripResult").replaceChildren();
      overlay.clearLayers();
      pl.root.setAttribute("data-plan-state", "empty");
      return;
    }
    request(false).then((plan) => { if (plan) shown(plan); }).catch((err) => showError(err.message));
  }

  function bestOrder() {
    if (pl.trip().stops.length < 2) return;
    request(true).then((plan) => {
      if (!plan) return;
      app.store.dispatch("tripOrdered", {order: plan.order, saved: plan.distance_saved_m});
      shown(plan);
    }).catch((err) => showError(err.message));
  }

  function showError(message) {
    const box = $("tripError");
    box.textContent = message;
    box.hidden = false;
    pl.root.setAttribute("data-plan-state", "error");
  }

  function schedule(plan) {
    const table = el("table", {class: "trip-schedule", id: "trip-schedule"},
      el("thead", {}, el("tr", {}, el("th", {}, "#"), el("th", {}, msg("thStop")), el("th", {}, msg("thTimes")),
                                   el("th", {}, msg("thLeg")))));
    const tbody = el("tbody"), t = plan.totals, rows = [];
    if (plan.start) rows.push({kind: "start", p: plan.start});
    plan.stops.forEach((s) => rows.push({kind: "stop", p: s}));
    if (plan.end) rows.push({kind: "end", p: plan.end});
    let n = 0;
    rows.forEach((row, i) => {
      const p = row.p, leg = i > 0 ? plan.legs[i - 1] : null;
      const label = row.kind === "stop" ? String(++n) : msg(row.kind === "start" ? "startShort" : "endShort");
      const time = row.kind === "stop" ? p.arrive + "–" + p.depart : (row.kind === "start" ? t.start : t.end);
      const legCell = el("td", {});
      if (leg) {
        // Two places on one approximate point: the distance is unknown, never "0.0 km · 0 min".
        legCell.append((leg.distance_known === false ? msg("legUnknown")
                        : msg("legText", {km: km(leg.road_m_estimate), min: leg.minutes_estimate})) + " ",
                       el("a", {href: leg.amap_url, target: "_blank", rel: "noopener noreferrer", title: msg("navigateLeg")},
                          msg("amap")));
      }
      tbody.append(el("tr", {"data-kind": row.kind, "data-id": p.id}, el("td", {}, label), el("td", {}, tr(p.name)),
                      el("td", {}, time), legCell));
    });
    table.append(tbody);
    return table;
  }

  function renderPlan(plan) {
    const out = $("tripResult"), t = plan.totals, saved = pl.trip().saved;
    out.replaceChildren(el("p", {class: "trip-summary"},
      msg("tripTotals", {start: t.start, end: t.end, km: km(t.road_m_estimate), travel: t.travel_minutes_estimate,
                         visit: t.visit_minutes}) + " ",
      el("span", {class: "estimate-tag", title: tr(plan.estimate.note)}, msg("estimate"))));
    if (saved !== null) {
      out.append(el("p", {class: "trip-saved", id: "trip-saved"},
        saved > 0 ? msg("bestOrderSaves", {km: km(saved)}) : msg("alreadyShortest")));
    }
    if (plan.warnings.length) out.append(el("ul", {class: "trip-warnings"}, ...plan.warnings.map((w) => el("li", {}, tr(w)))));
    out.append(schedule(plan));
    const links = plan.links;
    out.append(el("p", {class: "trip-links"},
      el("a", {href: links.itinerary, id: "trip-itinerary-link"}, msg("itinerary")),
      el("a", {href: links.gpx, download: ""}, "GPX"), el("a", {href: links.kml, download: ""}, "KML"),
      el("a", {href: links.ics, download: ""}, msg("calendarIcs")), el("a", {href: links.csv, download: ""}, "CSV")));
    drawOverlay(plan);
  }

  function drawOverlay(plan) {
    drawn = plan;
    overlay.clearLayers();
    const pts = [].concat(plan.start ? [plan.start] : [], plan.stops, plan.end ? [plan.end] : []);
    L.polyline(pts.map((p) => [p.lat, p.lon]),
               {color: "#1d2327", weight: 2.5, dashArray: "6 5", interactive: false, className: "trip-route"}).addTo(overlay);
    plan.stops.forEach((s, i) => {
      // Sit the number on the top-right of the site's own marker, which may be fanned out
      // around a shared approximate point (WebMap.markerOffset says by how much).
      const off = WebMap.markerOffset(s.id);
      const icon = L.divIcon({html: el("span", {}, String(i + 1)), className: "trip-marker", iconSize: [22, 22],
                              iconAnchor: [11 - off[0] - 15, 11 - off[1] + 15]});
      L.marker([s.lat, s.lon], {icon, interactive: false, keyboard: false}).addTo(overlay);
    });
  }

  Object.assign(app.planner, {replan, bestOrder, showError});
})(window.WebMapApp);
