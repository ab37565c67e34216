"""Trip planner endpoints: themed trips, planning, downloads and the printable itinerary.

A thin adapter: validation and planning live in ``itinerary``/``planner``, file formats
in ``webmap.trips.writers``. Every bad input becomes a 400 naming the field."""

from __future__ import annotations

import segno
from flask import Blueprint, Response, jsonify, render_template, request, url_for
from flask_babel import gettext as _

from .. import vocab
from ..formats import MEDIA_TYPES, attachment
from ..trips import writers
from ..trips.data import READING_NOTE, reading_for
from ..trips.itinerary import (
    ESTIMATE_NOTE,
    QUERY_NAMES,
    TripRequest,
    overview_svg,
    parse_request,
    plan_json,
    plan_request,
    rename,
    request_from_query,
)
from ..trips.planner import MAX_STOPS, PlanError, estimates_from
from ..vocab import MODES
from . import catalogue, json_body, settings
from .errors import ApiError
from .i18n import DEFAULT_LANG, LANGS

bp = Blueprint("trips", __name__)

EXPORTS = {
    "gpx": (MEDIA_TYPES["gpx"], writers.to_gpx),
    "kml": (MEDIA_TYPES["kml"], writers.to_kml),
    "ics": (MEDIA_TYPES["ics"], writers.to_ics),
    "csv": (MEDIA_TYPES["csv"], None),
}


def _bad(exc: PlanError, names=None) -> ApiError:
    field, message = rename(exc.field, names), exc.message
    if message.startswith(exc.field + ":"):
        message = field + message[len(exc.field) :]
    return ApiError(400, "invalid_trip", message, field=field)


def _plan_from_query() -> tuple[TripRequest, dict]:
    try:
        # ``lang`` is the page's language (web/i18n.py), not part of the trip.
        args = {k: v for k, v in request.args.to_dict().items() if k != "lang"}
        req = request_from_query(args)  # its errors already use the query's names
    except PlanError as exc:
        raise _bad(exc) from None
    _check_theme(req.theme, "trip_theme")
    try:
        plan = plan_request(req, catalogue(), settings())
    except PlanError as exc:
        raise _bad(exc, QUERY_NAMES) from None
    return req, plan_json(plan, req, settings())


def _check_theme(theme: str | None, field: str) -> None:
    """A themed trip the catalogue does not have is a 400, not a trip without its title."""
    trips = catalogue().trips
    if theme and (trips is None or theme not in trips.trips):
        raise ApiError(400, "invalid_trip", f"{field}: no themed trip with id {theme[:100]!r}", field=field)


def _page_problem(field: str) -> str:
    """The /trip page's 400 in the page's language, naming the link's parameter and its
    value (the JSON API keeps its field paths and English messages)."""
    param, _dot, rest = field.partition(".")
    value = request.args.get(param, "")
    stops = [x for x in value.split(",") if x] if param == "trip" else []
    if rest.isdigit() and int(rest) < len(stops):
        value = stops[int(rest)]  # the one stop at fault ("trip.2")
    shown = value if len(value) <= 60 else value[:59] + "…"
    words = {
        "trip": _("The link's stops (trip=%(value)s) include a place that was not found or has no location yet."),
        "from": _("The link's start point (from=%(value)s) is not a town, street or point on the map."),
        "to": _("The link's end point (to=%(value)s) is not a town, street or point on the map."),
        "visit": _(
            "The link's visit times (visit=%(value)s) must be stop:minutes pairs for the trip's stops, "
            "each from 0 to 1440 minutes."
        ),
        "trip_theme": _("The link's themed trip (trip_theme=%(value)s) does not exist."),
        "start": _("The link's start time (start=%(value)s) is not a time of day (HH:MM)."),
        "date": _("The link's date (date=%(value)s) is not a date (YYYY-MM-DD)."),
        "mode": _("The link's way of travel (mode=%(value)s) does not exist."),
    }
    if param in words:
        return words[param] % {"value": shown}
    return _("The link's “%(param)s” part cannot be used.") % {"param": param[:60]}


def _links(query: str) -> dict:
    # The pages keep the language they were asked in (the planner asks with ?lang=).
    lang = request.args.get("lang")
    page = query + (f"&lang={lang}" if lang in LANGS and lang != DEFAULT_LANG else "")
    return {
        "map": url_for("pages.index") + "?" + page,
        "itinerary": url_for("trips.itinerary") + "?" + page,
        **{fmt: url_for("trips.export", fmt=fmt) + "?" + query for fmt in EXPORTS},
    }


@bp.get("/api/trips")
def themed_trips():
    cat, cfg = catalogue(), settings()
    book = cat.trips
    est = estimates_from(cfg)
    return jsonify(
        {
            "trips": [
                {
                    **t.model_dump(mode="json"),
                    "stops": [
                        {
                            **s.model_dump(mode="json", exclude_none=True),
                            "name": cat.features[s.site].properties.name.model_dump(),
                        }
                        for s in t.stops
                    ],
                    "query": _trip_query(t),
                    **_reading_json(t),
                }
                for t in book.trips.values()
            ],
            "anchors": [a.model_dump(mode="json") for a in book.anchors.values()],
            "visit_minutes": book.visit_minutes,
            "modes": {m: {"speed_kmh": est[m].speed_kmh, "detour": est[m].detour} for m in MODES},
            "estimate_note": ESTIMATE_NOTE,
            "max_stops": MAX_STOPS,
            "day_end": cfg.planner_day_end.strftime("%H:%M"),
        }
    )


def _reading_json(t) -> dict:
    cat = catalogue()
    reading = reading_for(t, cat.features)
    return {
        "route": reading.route,
        "reading_note": None if reading.route else READING_NOTE,
        "read": [
            {
                "site": sid,
                "name": cat.features[sid].properties.name.model_dump(),
                "url": url_for("pages.site", site_id=sid),
            }
            for sid in reading.sites
        ],
    }


def _trip_query(t) -> str:
    from ..trips.itinerary import query_for

    visits = {s.site: s.visit_minutes for s in t.stops if s.visit_minutes is not None}
    req = TripRequest(
        stops=[s.site for s in t.stops],
        mode=t.mode,
        start_time=t.start_time,
        start=t.start,
        theme=t.id,
        visit_minutes=visits,
    )
    return query_for(req)


@bp.post("/api/trips/plan")
def plan():
    body = json_body()
    try:
        req = parse_request(body)
        _check_theme(req.theme, "theme")
        result = plan_json(plan_request(req, catalogue(), settings()), req, settings())
    except PlanError as exc:
        raise _bad(exc) from None
    result["links"] = _links(result["query"])
    return jsonify(result)


@bp.get("/api/trips/export.<fmt>")
def export(fmt: str):
    if fmt not in EXPORTS:
        raise ApiError(404, "not_found", f"no export format {fmt!r}", allowed=sorted(EXPORTS))
    _, result = _plan_from_query()
    mimetype, writer = EXPORTS[fmt]
    online = url_for("trips.itinerary", _external=True) + "?" + result["query"]
    body = writers.to_csv(result) if fmt == "csv" else writer(result, online)
    resp = Response(body, mimetype=mimetype.split(";")[0])
    resp.headers["Content-Type"] = mimetype
    resp.headers["Content-Disposition"] = attachment(f"yungang-trip-{result['date']}.{fmt}")
    return resp


@bp.get("/trip")
def itinerary():
    try:
        req, result = _plan_from_query()
    except ApiError as exc:
        field = str(exc.detail.get("field", ""))
        return render_template("error.html", status=400, message=_page_problem(field)), 400
    cat = catalogue()
    themed = cat.trips.trips.get(req.theme) if req.theme else None
    reasons = {s.site: s.reason for s in themed.stops} if themed else {}
    online = url_for("pages.index", _external=True) + "?" + result["query"]
    qr = segno.make(online, error="m").svg_inline(scale=3, dark="#1d2327", omitsize=False)
    return render_template(
        "trip.html",
        plan=result,
        features=cat.features,
        layers={x.id: x for x in cat.layers},
        themed=themed,
        reasons=reasons,
        reading=_reading_json(themed) if themed else None,
        svg=overview_svg(cat.boundary, result),
        online=online,
        qr_svg=qr,
        links=_links(result["query"]),
        vocab=vocab.as_json(),
        modes=vocab.MODES,
    )
