/* The trip planner's state: the trip in the map's one store (state.trip), its actions,
 * and the trip's part of the address (?trip=a,b&mode=coach&start=08:30&from=…&to=…
 * &date=…&visit=a:30&trip_theme=…), so a copied link restores it. The server does all
 * planning (POST /api/trips/plan, js/planner/plan.js).
 *
 * state.trip: {stops: [ids], mode, start: "HH:MM", from, to (anchor id, "lon,lat" or ""),
 *              date, visit: {id: minutes}, theme: themed trip id, saved: metres the best
 *              order saved | null}
 * Keys the actions report: tripStops (the stops or what is planned changed), tripVisit (a
 * visit length: no list redraw, its input has the focus), tripTimes (start or date: the
 * "saved" note stays), tripOrdered (the best order came back: already planned).
 */
(function (app) {
  "use strict";

  const P = window.WebMapParams, WebMap = app.WebMap, tr = WebMap.tr;

  // Travel modes come from the page config (config.modes: [{id, label: {zh, en}}]) when the server
  // sends them (the mode menu is then rebuilt from them); otherwise the menu in the template.
  const configModes = Array.isArray(app.config.modes) && app.config.modes.length ? app.config.modes : null;
  const MODES = configModes ? Object.fromEntries(configModes.map((m) => [m.id, true])) : {walk: true, coach: true, car: true};
  function modeOptions() {
    // Each mode is {id, label: {zh, en}} (webmap/vocab.py modes_json): the label in the page's language.
    return configModes && configModes.map((m) => [m.id, tr(m.label)]);
  }

  const empty = () => ({stops: [], mode: "coach", start: "09:00", from: "", to: "", date: "", visit: {}, theme: "", saved: null});
  const trip = () => app.store.state.trip;
  const inTrip = (id) => trip().stops.indexOf(id) >= 0;

  Object.assign(app.actions, {
    tripReset(s) { s.trip = empty(); return ["tripStops"]; },
    tripRestored(s, t) { s.trip = Object.assign(empty(), t); return ["tripStops"]; },
    stopAdded(s, {id, max}) {
      if (s.trip.stops.indexOf(id) >= 0 || s.trip.stops.length >= max) return [];
      // A themed trip stays themed when changed: its title and reasons still apply.
      s.trip.stops.push(id); s.trip.saved = null;
      return ["tripStops"];
    },
    stopRemoved(s, id) {
      const t = s.trip;
      t.stops = t.stops.filter((x) => x !== id);
      delete t.visit[id];
      t.theme = t.stops.length ? t.theme : "";
      t.saved = null;
      return ["tripStops"];
    },
    stopMoved(s, {from, to}) {
      const stops = s.trip.stops;
      if (to < 0 || to >= stops.length || from === to) return [];
      stops.splice(to, 0, stops.splice(from, 1)[0]);
      s.trip.saved = null;
      return ["tripStops"];
    },
    visitSet(s, {id, minutes}) { s.trip.visit[id] = minutes; return ["tripVisit"]; },
    tripOption(s, {key, value}) {  // mode, from, to
      s.trip[key] = value; s.trip.saved = null;
      return ["tripStops"];
    },
    tripTime(s, {key, value}) { s.trip[key] = value; return ["tripTimes"]; },  // start, date
    themeLoaded(s, t) {
      s.trip = Object.assign(empty(), {stops: t.stops.map((x) => x.site), mode: t.mode, start: t.start_time,
                                       from: t.start || "", date: s.trip.date, theme: t.id});
      t.stops.forEach((x) => { if (x.visit_minutes !== undefined) s.trip.visit[x.site] = x.visit_minutes; });
      return ["tripStops"];
    },
    tripCleared(s) { s.trip = Object.assign(empty(), {mode: s.trip.mode, start: s.trip.start, from: s.trip.from,
                                                      to: s.trip.to, date: s.trip.date}); return ["tripStops"]; },
    tripOrdered(s, {order, saved}) { s.trip.stops = order.slice(); s.trip.saved = saved; return ["tripOrdered"]; },
  });

  /* The trip a link holds. What the planner cannot use is corrected into range or
   * dropped, and said in the one link notice with the map's problems (js/core/url.js);
   * the next write of the address (writeUrl) leaves it out, so the language switch and
   * the share box carry the corrected trip. */
  function readUrl(byId, max) {
    const q = new URLSearchParams(window.location.search), book = app.planner.book || {};
    const s = empty(), problems = [], t = app.i18n.t;
    const said = (k) => app.url.shown(q.get(k)), say = (key, values, vars) => {
      if (values.length) problems.push(t(key, Object.assign({value: app.url.names(values)}, vars)));
    };
    const name = (id) => tr(byId[id].properties.name);
    // Stops: unknown, listed twice, without a location, or beyond the most a trip holds.
    const unknown = [], twice = [], unlocated = [], over = [];
    (q.get("trip") || "").split(",").forEach((id) => {
      if (!id) return;
      if (!Object.prototype.hasOwnProperty.call(byId, id)) unknown.push(id);
      else if (!byId[id].geometry) unlocated.push(id);
      else if (s.stops.indexOf(id) >= 0) twice.push(id);
      else if (s.stops.length >= max) over.push(id);
      else s.stops.push(id);
    });
    say("linkTripUnknown", [...new Set(unknown)]);
    say("linkTripUnlocated", [...new Set(unlocated)].map(name));
    say("linkTripTwice", [...new Set(twice)].map(name));
    say("linkTripMax", over.map(name), {n: max});
    if (MODES[q.get("mode")]) s.mode = q.get("mode");
    else if (q.get("mode")) problems.push(t("linkMode", {value: said("mode"), mode: modeName(s.mode)}));
    if (isTime(q.get("start"))) s.start = q.get("start");
    else if (q.get("start")) problems.push(t("linkStart", {value: said("start"), time: s.start}));
    // Start and end: a town or street the planner knows, or a "lon,lat" point on Earth.
    const anchors = new Set((book.anchors || []).map((a) => a.id));
    [["from", "linkFrom"], ["to", "linkTo"]].forEach(([key, message]) => {
      const v = q.get(key) || "";
      if (!v || anchors.has(v) || isPoint(v)) s[key] = v;
      else problems.push(t(message, {value: said(key)}));
    });
    if (isDate(q.get("date"))) s.date = q.get("date");
    else if (q.get("date")) problems.push(t("linkDate", {value: said("date")}));
    // Visit minutes: "id:minutes" pairs for the trip's stops, within the visit box's range.
    const dropped = new Set([...unknown, ...unlocated, ...over]), badVisits = [];
    (q.get("visit") || "").split(",").forEach((pair) => {
      if (!pair) return;
      const [id, minutes, ...rest] = pair.split(":");
      if (dropped.has(id)) return;  // its stop was left out (said above)
      if (rest.length || s.stops.indexOf(id) < 0 || !/^\d{1,6}$/.test(minutes || "")) { badVisits.push(pair); return; }
      const n = Math.min(+minutes, VISIT_MAX);
      if (n !== +minutes) problems.push(t("linkVisitRange", {name: name(id), value: minutes, minutes: n}));
      s.visit[id] = n;
    });
    say("linkVisit", badVisits);
    const theme = q.get("trip_theme") || "";
    if ((book.trips || []).some((x) => x.id === theme)) s.theme = theme;
    else if (theme) problems.push(t("linkTripTheme", {value: said("trip_theme")}));
    if (problems.length) app.url.report(problems);
    return {trip: s};
  }

  // The most minutes the trip list's visit box takes (js/planner/list.js).
  const VISIT_MAX = 600;
  function isPoint(text) {
    const m = /^(-?\d{1,3}(?:\.\d+)?),(-?\d{1,2}(?:\.\d+)?)$/.exec(text);
    return !!m && Math.abs(+m[1]) <= 180 && Math.abs(+m[2]) <= 90;
  }

  /* "HH:MM" on a 24-hour clock; "YYYY-MM-DD" of a day that exists. */
  const isTime = (text) => /^([01]\d|2[0-3]):[0-5]\d$/.test(text || "");
  function isDate(text) {
    if (!/^\d{4}-\d\d-\d\d$/.test(text || "")) return false;
    const d = new Date(text + "T00:00:00Z");
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
  }
  function modeName(id) {
    const m = configModes && configModes.find((x) => x.id === id);
    return m ? tr(m.label) : app.i18n.t({walk: "modeWalk", coach: "modeCoach", car: "modeCar"}[id] || id);
  }

  function query(s) {
    const q = new URLSearchParams();
    q.set("trip", s.stops.join(","));
    q.set("mode", s.mode);
    q.set("start", s.start);
    if (s.from) q.set("from", s.from);
    if (s.to) q.set("to", s.to);
    if (s.date) q.set("date", s.date);
    if (s.theme) q.set("trip_theme", s.theme);
    const visits = s.stops.filter((id) => s.visit[id] !== undefined).map((id) => id + ":" + s.visit[id]);
    if (visits.length) q.set("visit", visits.join(","));
    return q;
  }

  /* The planner's parameters (js/params.js, owner "planner") into the address; the map's stay. */
  function writeUrl() {
    const q = new URLSearchParams(window.location.search);
    P.owned("planner").forEach((k) => q.delete(k));
    if (trip().stops.length) query(trip()).forEach((v, k) => q.set(k, v));
    const text = P.text(q);
    history.replaceState(null, "", window.location.pathname + (text ? "?" + text : "") + window.location.hash);
    app.url.relink();  // the language switch and an open share box must not lose the trip
  }

  app.planner = {trip, inTrip, readUrl, writeUrl, modeOptions, VISIT_MAX, book: null, byId: {}, root: null,
                 maxStops: () => (app.planner.book ? app.planner.book.max_stops : 25)};
})(window.WebMapApp);
