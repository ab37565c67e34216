"""What changed: the public page ``/changes``, its Atom feed ``/changes.atom`` and
``/api/changes`` (the sites changed in the last N days, for the map). The words and the
URLs only; the changes themselves come from ``webmap.changes``."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Blueprint, Response, jsonify, render_template, request, url_for
from flask_babel import gettext as _

from .. import changes as core
from .. import vocab
from ..params import ParameterError, reject_unknown
from ..selection import parse_selection
from . import catalogue
from .auth import repository
from .i18n import current_lang, tr

bp = Blueprint("changes", __name__)

_PAGE_PARAMS = {"layer", "layers", "page", "lang"}
_API_PARAMS = {"layer", "layers", "days", "since"}


def kind_labels() -> dict[str, str]:
    return {
        "added": _("New place"),
        "restored": _("Back on the map"),
        "retired": _("Removed from the map"),
        "located": _("Place located"),
        "moved": _("Location moved"),
        "unlocated": _("Location withdrawn: to be confirmed"),
        "status": _("Status changed"),
        "photo": _("New photo"),
        "text": _("Text edited"),
        "edited": _("Details updated"),
    }


def _layers() -> tuple[str, ...]:
    """The layers asked for (``layer=a``, ``layer=a&layer=b`` or ``layers=a,b``); a 400
    naming the parameter for one the map does not have."""
    args = {k: request.args.getlist(k) for k in ("layer", "layers") if k in request.args}
    return parse_selection(args, catalogue()).layers


def _status_name(value: str | None) -> str:
    names = vocab.as_json()["status"]
    return tr(names[value]) if value in names else (value or "—")


def _view(change: core.Change, on_map: bool, labels: dict[str, str], lang_arg: str | None, external: bool = False):
    """One change as the page and the feed show it."""
    lang = current_lang()
    details = []
    if "status" in change.kinds and change.status_before and change.status_after:
        details.append(f"{_status_name(change.status_before)} → {_status_name(change.status_after)}")
    if change.photos_added > 1:
        details.append(_("%(n)s new photos", n=change.photos_added))
    return {
        "c": change,
        "name": change.name[lang],
        "kinds": [(k, labels[k]) for k in change.kinds],
        "details": details,
        "layer": change.layer,
        "site_url": url_for("pages.site", site_id=change.site_id, lang=lang_arg, _external=external)
        if on_map
        else None,
        "history_url": url_for("edit.history_page", site_id=change.site_id, lang=lang_arg, _external=external)
        if on_map
        else None,
    }


def _args() -> dict[str, list[str]]:
    return request.args.to_dict(flat=False)


def _json_error(exc: ParameterError):
    return jsonify(exc.body()), exc.status


def _page_changes(page: int, layers: tuple[str, ...]) -> tuple[list, bool]:
    repo = repository()
    if repo is None:  # served read-only from the files: nothing is recorded
        return [], False
    return core.published_changes(repo, layers=layers, page=page)


@bp.get("/changes")
def changes_page():
    reject_unknown(request.args, _PAGE_PARAMS)
    layers, page = _layers(), core.parse_page(_args())
    found, more = _page_changes(page, layers)
    cat, labels = catalogue(), kind_labels()
    lang = current_lang()
    lang_arg = lang if lang != "zh" else None
    layer_arg = ",".join(layers) or None
    rows = [_view(c, c.site_id in cat.features, labels, lang_arg) for c in found]

    def page_url(n: int) -> str:
        return url_for("changes.changes_page", layers=layer_arg, page=n if n > 1 else None, lang=lang_arg)

    return render_template(
        "changes.html",
        rows=rows,
        layers=cat.layers,
        layer_names={x.id: x for x in cat.layers},
        chosen=layers,
        page=page,
        prev_url=page_url(page - 1) if page > 1 else None,
        next_url=page_url(page + 1) if more else None,
        feed_url=url_for("changes.feed", layers=layer_arg, lang=lang_arg),
        lang_arg=lang_arg,
        layer_arg=layer_arg,
    )


def _authority() -> str:
    """The tag: URI authority: the public host name (WEBMAP_PUBLIC_URL's when set), no port."""
    return urlsplit(url_for("changes.changes_page", _external=True)).hostname or "localhost"


@bp.get("/changes.atom")
def feed():
    try:
        reject_unknown(request.args, {"layer", "layers", "lang"})
        layers = _layers()
    except ParameterError as exc:  # a feed reader is a program: it gets JSON, like the API
        return _json_error(exc)
    found, _more = _page_changes(1, layers)
    cat, labels = catalogue(), kind_labels()
    lang = current_lang()
    lang_arg = lang if lang != "zh" else None
    layer_arg = ",".join(layers) or None
    authority = _authority()
    page_url = url_for("changes.changes_page", layers=layer_arg, lang=lang_arg, _external=True)
    entries = []
    for change in found:
        view = _view(change, change.site_id in cat.features, labels, lang_arg, external=True)
        layer = view["layer"] in cat.layer_ids and tr(next(x.name for x in cat.layers if x.id == view["layer"]))
        summary = [" · ".join(label for _k, label in view["kinds"]), *view["details"]]
        if layer:
            summary.append(_("Layer: %(layer)s", layer=layer))
        summary.append(_("Why: %(comment)s", comment=change.comment))
        entries.append(
            core.AtomEntry(
                id=core.entry_id(authority, change),
                title=f"{view['name']} · {view['kinds'][0][1]}",
                updated=change.at,
                link=view["site_url"] or page_url,
                summary="\n".join(summary),
                author=change.author,
                related=[(view["history_url"], _("History"))] if view["history_url"] else [],
                categories=[(k, label) for k, label in view["kinds"]],
            )
        )
    title = _("What changed") + " · " + _("Yungang District Map")
    if layers:
        title += " · " + ", ".join(tr(x.name) for x in cat.layers if x.id in layers)
    body = core.atom_feed(
        feed_id=core.tag_uri(authority, "2026", "changes" + (f"/{layer_arg}" if layer_arg else "") + f"/{lang}"),
        title=title,
        lang={"zh": "zh-CN", "en": "en"}[lang],
        self_url=url_for("changes.feed", layers=layer_arg, lang=lang_arg, _external=True),
        page_url=page_url,
        updated=found[0].at if found else datetime.now(UTC),
        entries=entries,
        category_scheme=url_for("changes.changes_page", _external=True) + "#kinds",
    )
    resp = Response(body, mimetype="application/atom+xml")
    resp.headers["Cache-Control"] = "public, max-age=60"
    if found:  # an empty feed's <updated> is now: no validator for it
        resp.add_etag()
    return resp.make_conditional(request)


@bp.get("/api/changes")
def recent():
    """The sites (on the map now) with a published change in the last ``days`` days
    (``since=30d`` says the same), most recently changed first."""
    reject_unknown(request.args, _API_PARAMS)
    layers, days = _layers(), core.parse_days(_args())
    start = core.since(days)
    repo = repository()
    found = core.changed_sites(repo, since=start, layers=layers) if repo is not None else []
    shown = catalogue().features
    sites = [{**s, "changed": core.rfc3339(s["changed"])} for s in found if s["id"] in shown]
    resp = jsonify({"days": days, "since": core.rfc3339(start), "count": len(sites), "sites": sites})
    resp.headers["Cache-Control"] = "public, max-age=60"
    return resp
