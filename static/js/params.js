/* The page's URL parameters: ONE table shared by map.js, planner.js and export.js.
 *
 * Each row: name (as written in links), owner ("map", "planner" or "page"), type ("list",
 * "flag", "text", "number"), the default (a parameter equal to its default is not written),
 * and optional aliases: older spellings that are still read but never written (export
 * links once wrote themes= where the map writes theme=; the map's spelling won).
 *
 * Classic script (no modules) so the static copy opens from file://. Loaded before the map's parts (templates/map_scripts.html).
 */
(function () {
  "use strict";

  const PARAMS = [
    {name: "lang", owner: "page", type: "text", def: ""},
    {name: "layers", owner: "map", type: "list", def: null, export: true},  // null: every layer
    {name: "theme", owner: "map", type: "list", def: [], export: true, aliases: ["themes"]},
    {name: "status", owner: "map", type: "list", def: [], export: true},
    {name: "precision", owner: "map", type: "list", def: [], export: true},
    {name: "school", owner: "map", type: "flag", def: false, export: true},
    {name: "q", owner: "map", type: "text", def: "", export: true},
    {name: "near", owner: "map", type: "text", def: ""},
    {name: "r", owner: "map", type: "number", def: 10000},
    {name: "sort", owner: "map", type: "text", def: "relevance"},
    {name: "base", owner: "map", type: "text", def: ""},
    {name: "site", owner: "map", type: "text", def: ""},
    {name: "view", owner: "map", type: "text", def: ""},
    {name: "trip", owner: "planner", type: "list", def: []},
    {name: "mode", owner: "planner", type: "text", def: ""},
    {name: "start", owner: "planner", type: "text", def: ""},
    {name: "from", owner: "planner", type: "text", def: ""},
    {name: "to", owner: "planner", type: "text", def: ""},
    {name: "date", owner: "planner", type: "text", def: ""},
    {name: "visit", owner: "planner", type: "list", def: []},
    {name: "trip_theme", owner: "planner", type: "text", def: ""},
    {name: "embed", owner: "page", type: "flag", def: false},
  ];
  const byName = Object.create(null);
  PARAMS.forEach((p) => { byName[p.name] = p; });

  /* The raw text of a parameter (its own name first, then any old alias), or null. */
  function raw(q, name) {
    const p = byName[name];
    for (const n of [name, ...((p && p.aliases) || [])]) if (q.has(n)) return q.get(n);
    return null;
  }

  /* Parse one parameter from a URLSearchParams; the default when absent. */
  function parse(q, name) {
    const p = byName[name], text = raw(q, name);
    if (text === null) return Array.isArray(p.def) ? [...p.def] : p.def;
    if (p.type === "list") return text.split(",").filter(Boolean);
    if (p.type === "flag") return text === "1";
    if (p.type === "number") return Number(text) || p.def;
    return text;
  }

  /* Write one parameter into a URLSearchParams (removing it, and its aliases, when it holds
   * its default). Lists are written comma-joined. */
  function write(q, name, value) {
    const p = byName[name];
    [name, ...(p.aliases || [])].forEach((n) => q.delete(n));
    if (value === null || value === undefined) return;
    if (p.type === "list") { const v = [...value]; if (v.length) q.set(name, v.join(",")); return; }
    if (p.type === "flag") { if (value) q.set(name, "1"); return; }
    if (value === p.def || value === "") return;
    q.set(name, String(value));
  }

  /* The names one owner writes (and clears before writing). */
  const owned = (owner) => PARAMS.filter((p) => p.owner === owner).map((p) => p.name);
  /* Commas and colons read better unescaped in a shared link. */
  const text = (q) => q.toString().replace(/%2C/g, ",").replace(/%3A/g, ":");

  const exported = PARAMS.filter((p) => p.export).map((p) => p.name);
  /* The filters written by name from the state (state[name]); layers are written apart
   * (absent when every layer is shown). Map links and export links both use this list. */
  const filters = exported.filter((n) => n !== "layers");
  window.WebMapParams = {PARAMS, byName, parse, write, owned, text, exported, filters};
})();
