/* For a signed-in editor only (the page loads this script only then): "Edit" in every
 * popup and "Place on the map" on each place whose location is to be confirmed. The
 * link texts and the edit address come from the header (#signed-in data-*), in the
 * page's language; visitors never get this script. */
(function (app) {
  "use strict";

  const who = document.getElementById("signed-in");
  if (!who || !who.dataset.editUrl) return;
  const {el} = window.WebMapUtil;
  const editUrl = (id) => who.dataset.editUrl.replace("__ID__", encodeURIComponent(id));

  app.WebMap.on("popup", (root, f) => {
    root.append(el("p", {class: "edit-link"},
      el("a", {href: editUrl(f.id), class: "popup-edit", "data-site-id": f.id}, who.dataset.editLabel)));
  });
  function placeLinks() {
    document.querySelectorAll("#unlocated-list > li[data-site-id]").forEach((li) => {
      if (li.querySelector(".place-on-map")) return;
      li.append(el("a", {href: editUrl(li.dataset.siteId) + "#location", class: "place-on-map"},
                   who.dataset.placeLabel));
    });
  }
  app.WebMap.on("list", placeLinks);
  placeLinks();  // the list may have been drawn before this script ran
})(window.WebMapApp);
