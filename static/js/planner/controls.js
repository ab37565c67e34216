/* The planner's controls: travel mode, start time, date, start and end points (a town,
 * a point picked on the map, or "my location") and the themed trips. */
(function (app) {
  "use strict";

  const {$} = window.WebMapIds, WebMap = app.WebMap, el = WebMap.el, msg = WebMap.t, tr = WebMap.tr;
  const pl = app.planner, store = () => app.store;
  const KEY = {from: "tripFrom", to: "tripTo"};
  let pickTarget = null;

  function fillModeMenu() {
    const options = pl.modeOptions();
    if (options) $("tripMode").replaceChildren(...options.map(([id, label]) => el("option", {value: id}, label)));
  }

  function endpointOptions(which) {
    const select = $(KEY[which]), value = pl.trip()[which];
    select.replaceChildren(el("option", {value: ""}, msg(which === "from" ? "firstStop" : "lastStop")),
                           el("option", {value: "@pick"}, msg("pickOnMap")),
                           el("option", {value: "@here"}, msg("myLocationOption")));
    if (/^-?\d/.test(value)) select.append(el("option", {value}, msg("pickedPoint", {point: value})));
    const group = el("optgroup", {label: msg("townsStreets")});
    (pl.book ? pl.book.anchors : []).forEach((a) => group.append(el("option", {value: a.id}, tr(a.name))));
    select.append(group);
    select.value = value;
    if (select.value !== value) { select.value = ""; store().dispatch("tripOption", {key: which, value: ""}); }
  }

  function setEndpoint(which, value) {
    store().dispatch("tripOption", {key: which, value});
    endpointOptions(which);
  }

  function onEndpoint(which) {
    const select = $(KEY[which]), v = select.value;
    $("tripPickHint").hidden = true;
    if (v === "@pick") {
      pickTarget = which;
      document.body.classList.add("trip-pick-active");
      $("tripPickHint").hidden = false;
      return;
    }
    if (v === "@here") {
      if (!navigator.geolocation) { pl.showError(msg("geoUnavailable")); select.value = pl.trip()[which]; return; }
      navigator.geolocation.getCurrentPosition((pos) => {
        setEndpoint(which, pos.coords.longitude.toFixed(6) + "," + pos.coords.latitude.toFixed(6));
      }, (err) => {
        // Our words for the browser's error (its message is English developer text).
        pl.showError(msg(err.code === 1 ? "geoDeniedStart" : err.code === 3 ? "geoTimeoutStart" : "geoFailed"));
        select.value = pl.trip()[which];
      }, {timeout: 10000});
      return;
    }
    setEndpoint(which, v);
  }

  function onMapClick(e) {
    if (!pickTarget) return;
    const which = pickTarget;
    pickTarget = null;
    document.body.classList.remove("trip-pick-active");
    $("tripPickHint").hidden = true;
    setEndpoint(which, e.latlng.lng.toFixed(6) + "," + e.latlng.lat.toFixed(6));
  }

  function renderThemes() {
    $("tripThemes").replaceChildren(...(pl.book ? pl.book.trips : []).map((t) => {
      const btn = el("button", {type: "button", "data-theme": t.id, title: msg("loadTrip", {title: tr(t.title)})},
                     tr(t.title) + " (" + msg("stopsCount", {n: t.stops.length}) + ")");
      btn.addEventListener("click", () => loadTheme(t));
      return el("li", {}, btn);
    }));
  }

  function loadTheme(t) {
    store().dispatch("themeLoaded", t);
    syncControls();
    showThemeNote(t);
  }

  function showThemeNote(t) {
    $("tripThemeText").replaceChildren(document.createTextNode(tr(t.description)));
    $("tripThemeNote").hidden = false;
    $("tripThemeNote").open = !window.matchMedia("(max-width: 600px)").matches;
  }

  /* The controls show the trip's settings (after a link or a themed trip was loaded). */
  function syncControls() {
    const t = pl.trip();
    $("tripMode").value = t.mode;
    $("tripStart").value = t.start;
    $("tripDate").value = t.date;
    endpointOptions("from");
    endpointOptions("to");
    $("tripThemeNote").hidden = true;
  }

  function init() {
    fillModeMenu();
    renderThemes();
    syncControls();
    (pl.book.trips || []).forEach((t) => { if (t.id === pl.trip().theme) showThemeNote(t); });
    app.map.on("click", onMapClick);
    $("tripMode").addEventListener("change", () => store().dispatch("tripOption", {key: "mode", value: $("tripMode").value}));
    $("tripStart").addEventListener("change", () => {
      if (/^\d\d:\d\d$/.test($("tripStart").value)) store().dispatch("tripTime", {key: "start", value: $("tripStart").value});
    });
    $("tripDate").addEventListener("change", () => store().dispatch("tripTime", {key: "date", value: $("tripDate").value}));
    $("tripFrom").addEventListener("change", () => onEndpoint("from"));
    $("tripTo").addEventListener("change", () => onEndpoint("to"));
    $("tripBest").addEventListener("click", pl.bestOrder);
    $("tripThemesBox").querySelector("summary").addEventListener("click", pl.touchThemes);
    $("tripClear").addEventListener("click", () => { $("tripThemeNote").hidden = true; store().dispatch("tripCleared"); });
  }

  Object.assign(app.planner, {initControls: init});
})(window.WebMapApp);
