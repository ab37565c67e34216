/* Small helpers every map script uses: building DOM nodes safely, lookup tables,
 * debouncing, fetching JSON. Sets window.WebMapUtil.
 *
 * Safety rule for every script of the page: data text only ever reaches the page through
 * textContent, setAttribute or DOM nodes (el() below) handed to Leaflet, never through an
 * HTML string, so a name like "<img onerror=...>" shows literally and never runs.
 */
(function () {
  "use strict";

  /* A lookup table keyed by data (ids) without a prototype: an id such as "constructor" or
   * a ?site=__proto__ link must find nothing rather than Object.prototype's members. */
  const table = (entries) => Object.assign(Object.create(null), Object.fromEntries(entries || []));

  /* el("p", {class: "x"}, "text", childNode, ...): strings become text nodes. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : v);
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  /* A URL from a server template such as "/sites/__ID__", values URL-encoded. */
  function url(template, values) {
    return Object.keys(values).reduce((u, k) => u.replace("__" + k + "__", encodeURIComponent(values[k])), template);
  }

  const km = (metres) => (metres / 1000).toFixed(metres < 10000 ? 1 : 0);
  const isApprox = (f) => f.properties.location.precision !== "site";

  function debounce(fn, ms) {
    let timer = null;
    return function (...args) { clearTimeout(timer); timer = setTimeout(() => fn.apply(this, args), ms); };
  }

  function getJSON(u) {
    return fetch(u, {headers: {Accept: "application/json"}}).then((r) => {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    });
  }

  /* Every page of a paged list (/api/search, /api/nearby): follows the "next" links and
   * gives the first page with the features of all of them. */
  function getAll(u) {
    return getJSON(u).then(function more(first, page = first) {
      const next = (page.links || []).find((l) => l.rel === "next");
      if (page !== first) first.features.push(...page.features);
      return next ? getJSON(next.href).then((p) => more(first, p)) : first;
    });
  }

  /* Text with the characters [start, end) wrapped in <mark>. */
  function marked(text, start, end) {
    if (start === undefined || start < 0 || end <= start) return document.createTextNode(text);
    const span = el("span", {});
    span.append(text.slice(0, start), el("mark", {}, text.slice(start, end)), text.slice(end));
    return span;
  }

  window.WebMapUtil = {table, el, url, km, isApprox, debounce, getJSON, getAll, marked};
})();
