/* Interface strings (the server's message catalogue, config.messages) and data text in the
 * page's language. app.t("key", {n: 3}) fills {n}; app.tr({zh, en}) picks the language. */
(function (app) {
  "use strict";

  const lang = app.lang, M = app.config.messages;
  const tr = (text) => (text ? text[lang] : "");
  const other = (text) => (text ? text[lang === "zh" ? "en" : "zh"] : "");
  function t(key, vars) {
    return (M[key] || key).replace(/\{(\w+)\}/g, (_, k) => (vars && k in vars ? String(vars[k]) : ""));
  }

  app.i18n = {t, tr, other};
  Object.assign(app.WebMap, {t, tr});
})(window.WebMapApp);
