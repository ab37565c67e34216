/* The one store: the page's state in one object, changed ONLY through named actions.
 *
 *   app.store.dispatch("siteSelected", "yungang-grottoes")
 *   app.store.subscribe((changed, state) => { if (changed.has("site")) ... })
 *
 * An action (js/core/actions.js) changes the state and returns the keys it changed.
 * Subscribers are called once per change: every dispatch made during one user action
 * (one event handler, and Leaflet's events it sets off) is gathered, and after it the
 * subscribers run once, in the order they subscribed, with the Set of changed keys.
 * Until start() nothing is delivered (the page is restoring a link); start() delivers
 * one change naming every key, so the first render is like any other.
 */
(function (app) {
  "use strict";

  function createStore(state, actions) {
    const subscribers = [], revisions = Object.create(null);
    let pending = null, started = false, serial = 0;

    function dispatch(name, payload) {
      const action = actions[name];
      if (!action) throw new Error("unknown action " + name);
      const keys = action(state, payload) || [];
      if (!keys.length) return;
      for (const k of keys) revisions[k] = (revisions[k] || 0) + 1;
      serial++;
      if (!pending) {
        pending = new Set();
        if (started) queueMicrotask(flush);
      }
      keys.forEach((k) => pending.add(k));
    }
    /* Deliver what changed now (also run by itself after the current event). */
    function flush() {
      if (!pending || !started) return;
      const changed = pending;
      pending = null;
      subscribers.forEach((fn) => fn(changed, state));
    }
    function start() {
      started = true;
      pending = new Set(Object.keys(state));
      flush();
    }
    /* A number that changes whenever one of these keys changed (for caches): the sum of
     * their revisions, which only ever grow. */
    function revision(keys) {
      let n = 0;
      for (const k of keys) n += revisions[k] || 0;
      return n;
    }
    /* Bumped by every change of any key: a cache checks revision() only when it moved. */
    const changes = () => serial;

    return {state, dispatch, flush, start, revision, changes,
            subscribe: (fn) => { subscribers.push(fn); },
            changedAny: (changed, keys) => keys.some((k) => changed.has(k))};
  }

  app.createStore = createStore;
})(window.WebMapApp);
