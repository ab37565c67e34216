/* "Suggest a correction / 我来纠错" for everyone (no account needed): in every popup and on
 * each place of the list of places whose location is to be confirmed. The link text and
 * the form's address (/suggest/<id>, in the page's language) come from this script's own
 * tag (data-url, data-label, templates/map_scripts.html). The static copy has no server
 * to send to and does not load this script. */
(function (app) {
  "use strict";

  const tag = document.getElementById("suggest-link-script");
  if (!tag || !tag.dataset.url) return;
  const {el} = window.WebMapUtil;
  const formUrl = (id) => tag.dataset.url.replace("__ID__", encodeURIComponent(id));

  // In the popup's row of links ("Details", "Places near here"): a row of its own would
  // make the popup taller than a phone's map leaves room for.
  app.WebMap.on("popup", (root, f) => {
    const link = el("a", {href: formUrl(f.id), class: "popup-suggest", "data-site-id": f.id}, tag.dataset.label);
    const row = root.querySelector("p.more");
    if (row) row.append(link); else root.append(el("p", {class: "suggest-link"}, link));
  });
  function listLinks() {
    document.querySelectorAll("#unlocated-list > li[data-site-id]").forEach((li) => {
      if (li.querySelector(".suggest-on-list")) return;
      li.append(el("a", {href: formUrl(li.dataset.siteId), class: "suggest-on-list"}, tag.dataset.label));
    });
  }
  app.WebMap.on("list", listLinks);
  listLinks();  // the list may have been drawn before this script ran
})(window.WebMapApp);
