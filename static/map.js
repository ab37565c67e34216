/* Yungang District map: adds the sites from the JSON API to the overlays Folium built.
 *
 * Safety rule for this file: data text only ever reaches the page through
 * textContent, setAttribute or DOM nodes handed to Leaflet — never through an HTML
 * string — so a name like "<img onerror=...>" shows literally and never runs.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("webmap-config").textContent);
  var handles = window.WEBMAP_HANDLES;
  var map = handles.map;
  // Every lookup table keyed by data (ids) has no prototype: an id such as "constructor"
  // or a ?site=__proto__ link must find nothing rather than Object.prototype's members.
  function table() { return Object.create(null); }
  var layersById = table();
  config.layers.forEach(function (l) { layersById[l.id] = l; });
  var statusEl = document.getElementById("status");

  /* The page's small extension API: other scripts (loaded after this one) use it to add
   * controls to popups or react when the data is in, without editing this file.
   *   WebMap.on("ready", fn(features, markers))      once, after the markers are drawn
   *   WebMap.on("popup", fn(rootElement, feature))    each time a popup is built
   */
  var listeners = {ready: [], popup: []};
  var WebMap = window.WebMap = {
    map: map, config: config, el: el, features: [], markers: {},
    on: function (event, fn) { listeners[event].push(fn); },
  };
  function emit(event) {
    var args = Array.prototype.slice.call(arguments, 1);
    listeners[event].forEach(function (fn) { fn.apply(null, args); });
  }

  // Folium fits the view before our layout settles; measure again and fit the district
  // into the part of the map that the panel does not cover.
  var phone = window.matchMedia("(max-width: 600px)").matches;
  function fitDistrict() {
    var panel = document.querySelector(".panel").getBoundingClientRect();
    map.invalidateSize();
    var padding = phone ? {paddingBottomRight: [0, panel.height + 8], paddingTopLeft: [8, 8]}
                        : {paddingTopLeft: [panel.right + 8, 16], paddingBottomRight: [16, 16]};
    map.fitBounds(config.bounds, Object.assign({animate: false}, padding));
  }
  L.control.scale({imperial: false, position: "bottomright"}).addTo(map);

  /* el("p", {class: "x"}, "text", childNode, ...): strings become text nodes. */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] !== null && attrs[k] !== undefined) node.setAttribute(k, attrs[k]);
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }
  function en(text) { return el("span", {lang: "en", class: "en"}, text); }
  function url(template, values) {
    return Object.keys(values).reduce(function (u, k) {
      return u.replace("__" + k + "__", encodeURIComponent(values[k]));
    }, template);
  }
  function km(metres) { return (metres / 1000).toFixed(1); }

  /* Several places can share one approximate point (e.g. the Heng'an New District proxy).
   * Fan them out around it in screen pixels, so each can be tapped; the point itself and
   * its uncertainty circle stay where the data puts them. */
  function fanOffsets(features) {
    var byPoint = table(), offsets = table();
    features.forEach(function (f) {
      var key = f.geometry.coordinates.join(",");
      (byPoint[key] = byPoint[key] || []).push(f.id);
    });
    Object.keys(byPoint).forEach(function (key) {
      var ids = byPoint[key], n = ids.length, r = n > 1 ? 14 + 4 * n : 0;
      ids.forEach(function (id, i) {
        var a = 2 * Math.PI * i / n - Math.PI / 2;
        offsets[id] = [Math.round(r * Math.cos(a)), Math.round(r * Math.sin(a))];
      });
    });
    return offsets;
  }

  function markerIcon(feature, layer, offset) {
    var p = feature.properties;
    var approx = p.location.precision !== "site";
    var node = el("span", {
      class: "site-marker" + (approx ? " approx" : ""),
      "data-site-id": feature.id,
      "data-layer": p.layer,
      "data-precision": p.location.precision,
    }, layer.icon);
    node.style.setProperty("--layer", layer.colour);
    return L.divIcon({html: node, className: "site-marker-wrap", iconSize: [34, 34],
                      iconAnchor: [17 - offset[0], 17 - offset[1]], popupAnchor: [offset[0], offset[1] - 14]});
  }

  function popupContent(feature) {
    var p = feature.properties, layer = layersById[p.layer];
    var status = config.vocab.status[p.status];
    var root = el("article", {class: "popup", "data-site-id": feature.id});
    var chip = el("p", {class: "chip"}, el("span", {class: "chip-icon", "aria-hidden": "true"}, layer.icon),
                  layer.name.zh + " · ", en(layer.name.en));
    chip.style.setProperty("--layer", layer.colour);
    root.appendChild(chip);
    root.appendChild(el("h2", {class: "popup-title"}, p.name.zh));
    root.appendChild(el("p", {class: "subtitle", lang: "en"}, p.name.en));
    root.appendChild(el("p", {class: "meta"},
      el("span", {class: "status status-" + p.status}, status.zh + " · ", en(status.en))));
    if (p.location.precision !== "site") {
      var prec = config.vocab.precision[p.location.precision];
      root.appendChild(el("p", {class: "approx-note"},
        "近似位置（" + prec.zh + "，误差约 " + km(p.location.uncertainty_m) + " 公里），虚线圈内均有可能。 ",
        en("Approximate location (" + prec.en + ", within about " + km(p.location.uncertainty_m) + " km)."),
        p.location.note ? el("span", {class: "approx-detail"}, " " + p.location.note.zh) : null));
    }
    root.appendChild(el("p", {class: "summary"}, p.summary.zh));
    root.appendChild(el("p", {class: "summary-en", lang: "en"}, p.summary.en));
    if (p.facts && p.facts.length) {
      var dl = el("dl", {class: "facts"});
      p.facts.forEach(function (f) {
        var value = f.value + (f.unit ? " " + f.unit.zh : "");
        dl.appendChild(el("div", {}, el("dt", {}, f.label.zh), el("dd", {}, value)));
      });
      root.appendChild(dl);
    }
    (p.photos || []).forEach(function (ph) {
      var fig = el("figure", {class: "photo"});
      if (ph.file) {
        fig.appendChild(el("a", {href: url(config.photoUrl, {SIZE: "full", NAME: ph.file}), target: "_blank",
                                 rel: "noopener"},
          el("img", {src: url(config.photoUrl, {SIZE: "thumb", NAME: ph.file}), alt: ph.caption.zh,
                     loading: "lazy"})));
      } else {
        fig.appendChild(el("div", {class: "photo-missing", "aria-hidden": "true"}, "照片暂缺"));
      }
      fig.appendChild(el("figcaption", {}, ph.caption.zh, el("br"), el("small", {}, ph.credit.zh)));
      root.appendChild(fig);
    });
    root.appendChild(el("p", {class: "source"}, "出自「" + p.article_section.zh + "」"));
    root.appendChild(el("p", {class: "more"},
      el("a", {href: url(config.sitePageUrl, {ID: feature.id})}, "详细介绍 ", en("Details →"))));
    emit("popup", root, feature);
    return root;
  }

  function addFeature(feature, markers, offset, circles) {
    var p = feature.properties, layer = layersById[p.layer], group = handles.groups[p.layer];
    var lonlat = feature.geometry.coordinates, latlng = [lonlat[1], lonlat[0]];
    var circleKey = [p.layer, lonlat, p.location.uncertainty_m].join("|");
    if (p.location.precision !== "site" && !circles[circleKey]) {
      circles[circleKey] = true;  // one circle per layer and area, however many places share it
      L.circle(latlng, {radius: p.location.uncertainty_m, color: layer.colour, weight: 1.5, dashArray: "5 5",
                        fillColor: layer.colour, fillOpacity: 0.08, interactive: false,
                        className: "uncertainty uncertainty-" + p.layer}).addTo(group);
    }
    var approx = p.location.precision !== "site" ? "（近似位置）" : "";
    var marker = L.marker(latlng, {icon: markerIcon(feature, layer, offset), title: p.name.zh + approx,
                                   keyboard: true, riseOnHover: true});
    marker.bindPopup(function () { return popupContent(feature); },
                     {maxWidth: Math.min(340, window.innerWidth - 48), maxHeight: Math.round(window.innerHeight * 0.6),
                      autoPanPadding: [16, 16],
                      className: "site-popup"});
    marker.on("add", function () {
      var node = marker.getElement();
      if (node) node.setAttribute("aria-label", layer.name.zh + "：" + p.name.zh + approx);
    });
    marker.addTo(group);
    markers[feature.id] = marker;
  }

  function renderLegend(features) {
    var counts = table();
    features.forEach(function (f) {
      var c = counts[f.properties.layer] = counts[f.properties.layer] || {located: 0, total: 0};
      c.total += 1;
      if (f.geometry) c.located += 1;
    });
    var list = document.getElementById("legend");
    config.layers.forEach(function (l) {
      var c = counts[l.id] || {located: 0, total: 0};
      var swatch = el("span", {class: "chip-icon", "aria-hidden": "true"}, l.icon);
      swatch.style.setProperty("--layer", l.colour);
      var pending = c.total - c.located;
      var label = "地图上 " + c.located + " 处" + (pending ? "，另 " + pending + " 处位置待确认" : "");
      list.appendChild(el("li", {"data-layer": l.id, title: label}, swatch,
        el("span", {class: "legend-name"}, l.name.zh, " ", en(l.name.en)),
        el("span", {class: "count", "aria-label": label}, String(c.located)),
        pending ? el("span", {class: "count-extra", "aria-hidden": "true"}, "+" + pending + " 待定") : null));
    });
  }

  function renderUnlocated(features) {
    var list = document.getElementById("unlocated-list");
    var unlocated = features.filter(function (f) { return !f.geometry; });
    document.getElementById("unlocated-count").textContent = String(unlocated.length);
    unlocated.forEach(function (f) {
      var layer = layersById[f.properties.layer];
      var icon = el("span", {class: "chip-icon", "aria-hidden": "true"}, layer.icon);
      icon.style.setProperty("--layer", layer.colour);
      list.appendChild(el("li", {"data-site-id": f.id, "data-layer": f.properties.layer}, icon,
        el("a", {href: url(config.sitePageUrl, {ID: f.id})}, f.properties.name.zh),
        " ", en(f.properties.name.en)));
    });
    if (!unlocated.length) document.getElementById("unlocated").hidden = true;
  }

  function openFromUrl(markers) {
    var id = new URLSearchParams(window.location.search).get("site");
    var marker = id && markers[id];
    if (!marker) return;
    map.setView(marker.getLatLng(), Math.max(map.getZoom(), 13));
    marker.openPopup();
  }

  // Small screens start with the legend folded so the map is visible.
  if (phone) document.getElementById("legend-box").open = false;

  fetch(config.sitesUrl, {headers: {Accept: "application/geo+json, application/json"}})
    .then(function (resp) {
      if (!resp.ok) throw new Error("HTTP " + resp.status);
      return resp.json();
    })
    .then(function (fc) {
      var markers = table(), circles = table();
      var located = fc.features.filter(function (f) { return f.geometry; });
      var offsets = fanOffsets(located);
      located.forEach(function (f) { addFeature(f, markers, offsets[f.id], circles); });
      renderLegend(fc.features);
      renderUnlocated(fc.features);
      fitDistrict();
      openFromUrl(markers);
      located = located.length;
      statusEl.textContent = "";
      statusEl.appendChild(document.createTextNode("地图上 " + located + " 处，" +
        (fc.features.length - located) + " 处位置待确认 "));
      statusEl.appendChild(en(located + " on the map, " + (fc.features.length - located) + " to be located"));
      WebMap.features = fc.features;
      WebMap.markers = markers;
      emit("ready", fc.features, markers);
      document.body.setAttribute("data-state", "ready");
    })
    .catch(function (err) {
      statusEl.textContent = "地点数据加载失败，请刷新页面重试。Could not load the sites; please reload. (" +
        err.message + ")";
      statusEl.classList.add("error");
      document.body.setAttribute("data-state", "error");
    });
})();
