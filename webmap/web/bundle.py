"""The map page's scripts: the one list of them, in order, and their bundles.

Each part of the page is its own classic script under static/ (docs/frontend.md). A
server answers each group as one file, ``/bundle/<group>.js?v=<hash>``: the group's files
joined in order, so the first markers wait for one request instead of nineteen (issue 17,
"First paint" in docs/scale.md). A bundle is still a classic script. The static copy
(``webmap build``) lists the files one by one, as it copies static/ as it is.

The bundle is joined again whenever one of its files changes (their content versions are
its key), so editing a script during development shows at once; the version in the URL
is a hash of the joined bytes, and only that version is answered as immutable.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, request, url_for

from .assets import IMMUTABLE, content_version

# What drawing and clicking the first markers needs: a marker's card (phones fold the
# sheet, share.js) and selection included. Run in order, deferred.
FIRST = [
    "js/core/ids.js",
    "js/core/util.js",
    "js/params.js",
    "js/core/app.js",
    "js/core/i18n.js",
    "js/core/store.js",
    "js/core/actions.js",
    "js/core/url.js",
    "js/data/sites.js",
    "js/data/filter.js",
    "js/map/gcj.js",
    "js/map/markers.js",
    "js/map/clusters.js",
    "js/map/basemap.js",
    "js/ui/popup.js",
    "js/ui/card.js",
    "js/ui/share.js",
    "js/ui/selection.js",
    "map.js",
]
# Loaded by map.js once the first markers are drawn (templates/map_scripts.html).
LATER = ["js/ui/facets.js", "js/ui/list.js", "js/ui/search.js", "js/ui/nearby.js", "js/ui/recent.js", "export.js"]
# The planner's, after those (not in the static copy: it needs the server).
PLANNER = ["js/planner/trip.js", "js/planner/list.js", "js/planner/controls.js", "js/planner/plan.js", "planner.js"]
GROUPS = {"first": FIRST, "later": LATER, "later-planner": LATER + PLANNER}

bp = Blueprint("bundle", __name__)


def _root() -> Path:
    return Path(current_app.static_folder or "").resolve()


def _joined(group: str, _cache: dict = {}) -> tuple[str, bytes]:  # noqa: B006 - a per-process cache
    """(version, bytes) of a group's bundle; joined again when any file changes."""
    root, names = _root(), GROUPS[group]
    key = (group, str(root), tuple(content_version(root / n) for n in names))
    entry = _cache.get(key)
    if entry is None:
        # A comment names each file (for whoever reads the bundle); ";" ends a file that
        # left its last statement open, so the next file never continues it.
        body = b"".join(b"/* ---- %s ---- */\n%s\n;\n" % (n.encode(), (root / n).read_bytes()) for n in names)
        entry = _cache[key] = (hashlib.sha256(body).hexdigest()[:12], body)
    return entry


def bundle_url(group: str) -> str:
    return url_for("bundle.script", group=group, v=_joined(group)[0])


@bp.get("/bundle/<group>.js")
def script(group: str):
    if group not in GROUPS:
        abort(404)
    version, body = _joined(group)
    resp = Response(body, mimetype="text/javascript")
    resp.set_etag(version)
    # The named version is kept for good; any other (an old page's) gets today's bundle,
    # revalidated like any file.
    resp.headers["Cache-Control"] = IMMUTABLE if request.args.get("v") == version else "no-cache"
    return resp.make_conditional(request)


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals.update(bundle_url=bundle_url, script_groups=GROUPS)
