"""Interface language: Chinese (default) or English, chosen with ``?lang=``.

Interface strings go through Flask-Babel message catalogues (msgids in English,
``webmap/translations/zh``); content comes from each record's zh/en fields, picked
with the ``tr`` filter. The language is only ever taken from the URL, so a shared
link shows the same language to everyone who opens it.
"""

from __future__ import annotations

from flask import Flask, request
from flask_babel import Babel, get_locale
from flask_babel import gettext as _

from ..provenance import citation
from ..quantities import quantity

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
HTML_LANG = {"zh": "zh-CN", "en": "en"}


def _unit(unit) -> dict[str, str] | None:
    if unit is None or isinstance(unit, dict):
        return unit
    return {"zh": unit.zh, "en": unit.en}


def current_lang() -> str:
    lang = request.args.get("lang") if request else None
    return lang if lang in LANGS else DEFAULT_LANG


def tr(text, lang: str | None = None) -> str:
    """Pick the current language from a {zh, en} record (a pydantic Text or a dict)."""
    lang = lang or str(get_locale())
    return text[lang] if isinstance(text, dict) else getattr(text, lang)


def other(text) -> str:
    """The other language's version, for a subtitle."""
    return tr(text, "en" if str(get_locale()) == "zh" else "zh")


def client_messages() -> dict[str, str]:
    """Interface strings for static/map.js, in the request's language. ``{n}``-style
    placeholders are filled in by the script."""
    return {
        "loading": _("Loading places…"),
        "loadFailed": _("Could not load the places. Please reload the page."),
        "summary": _("{shown} of {total} places match"),
        "summaryAll": _("{total} places"),
        "onMap": _("{n} on the map"),
        "inView": _("{n} in this view"),
        "listMore": _("Listing the first {shown} of {n} places in this view. Zoom in or search to see the others."),
        "clusterTitle": _("{n} places here: zoom in"),
        "nothingFound": _("Nothing found for “{q}”. Try fewer words, pinyin (yungang) or initials (ygsk)."),
        "nothingMatches": _("No place matches these filters."),
        "clearAll": _("Clear all"),
        # The site page's wording (templates/site.html), so both say the same thing.
        "disputedNote": _("Location to be confirmed: sources disagree on where this place is."),
        "disputedPlaces": _("The map shows no point for it until one place is confirmed. The places given are:"),
        "approxNote": _(
            "Approximate location ({precision}, within about {km} km): it may be anywhere in the dashed circle."
        ),
        "approxShort": _("approximate"),
        "toBeConfirmed": _("location to be confirmed"),
        "details": _("Details"),
        "source": _("From the article section “{section}”"),
        "photoMissing": _("Photo not available"),
        "nearThis": _("Places near here"),
        "recentLine": _("Updated on {date} · see what changed"),
        "nearMe": _("Near me"),
        "nearOrigin": _("Within {km} km of {place}"),
        "myLocation": _("my location"),
        "geoDenied": _(
            "Your browser did not share your location, so “near me” cannot be used. You can still search or pick a place."
        ),
        "geoUnavailable": _("This browser cannot tell its location."),
        "distance": _("{km} km"),
        "distanceApprox": _("about {km} km (approximate location)"),
        "copied": _("Link copied"),
        "copyFailed": _("Select the link and copy it"),
        "showList": _("Show list"),
        "showMap": _("Show map"),
        # Phones: the list sheet's middle height, and the selected place's card (js/ui/card.js)
        "sheetExpand": _("Show the whole list"),
        "cardClose": _("Close this place"),
        "cardLabel": _("About this place"),
        "kmUnit": _("km"),
        "facet_layer": _("Layers"),
        "facet_theme": _("Themes"),
        "facet_status": _("Status"),
        "facet_precision": _("Location precision"),
        "facet_school": _("School trips"),
        "schoolSuitable": _("Suitable for school trips"),
        "sortedByDistanceFrom": _("Distances from {place}"),
        "mapCentre": _("the map centre"),
        "exportNone": _("No place matches: nothing to export."),
        "exportAll": _("All {n} places."),
        "exportSome": _("The {n} places that match now."),
        "embedTitle": _("Yungang District Map"),
        # The trip planner (static/planner.js)
        "modeWalk": _("walk"),
        "modeCoach": _("coach/bus"),
        "modeCar": _("car"),
        "addToTrip": _("Add to trip"),
        "removeFromTrip": _("Remove from trip"),
        "cannotBeStop": _("Location to be confirmed: it cannot be a stop."),
        "cannotAdd": _("Cannot be a stop"),
        "maxStops": _("At most {n} stops"),
        "approxStop": _("Approximate location: distances and times to it are rougher."),
        "visitMinutesFor": _("Visit minutes: {name}"),
        "moveUp": _("Move up"),
        "moveDown": _("Move down"),
        "removeStop": _("Remove"),
        "moveUpName": _("Move up: {name}"),
        "moveDownName": _("Move down: {name}"),
        "removeName": _("Remove: {name}"),
        "visitLabel": _("Visit"),
        "minutes": _("min"),
        "firstStop": _("First stop"),
        "lastStop": _("Last stop"),
        "pickOnMap": _("Pick on the map…"),
        "myLocationOption": _("My location"),
        "pickedPoint": _("Point {point}"),
        "townsStreets": _("Towns and streets (approximate)"),
        # Browser geolocation errors (err.code 1, 3, other) in our words, never err.message.
        "geoFailed": _("Could not get your location. Try again, or pick the start on the map."),
        "geoDeniedStart": _(
            "This page may not use your location. Allow it in the browser, or pick the start on the map."
        ),
        "geoTimeoutStart": _("Finding your location took too long. Try again, or pick the start on the map."),
        "loadTrip": _("Load this trip: {title}"),
        "stopsCount": _("{n} stops"),
        "tripTotals": _("{start}–{end} · about {km} km, about {travel} min on the road, {visit} min of visits"),
        "estimate": _("estimate"),
        "bestOrderSaves": _("Best order: about {km} km shorter than the order chosen (estimate)"),
        "alreadyShortest": _("The order chosen is already the shortest"),
        "thStop": _("Stop"),
        "thTimes": _("Arrive–leave"),
        "thLeg": _("Distance (est.)"),
        "startShort": _("Start point"),
        "endShort": _("End point"),
        "legText": _("{km} km · {min} min"),
        "legUnknown": _("distance unknown (same approximate point)"),
        "readingList": _("A reading list, not a route: none of this theme's places is located yet"),
        "navigateLeg": _("Navigate this leg in AMap"),
        "amap": _("AMap"),
        "itinerary": _("Printable itinerary"),
        "calendarIcs": _("Calendar (ICS)"),
        "plannerLoadFailed": _("Could not load the trip planner ({message})"),
        # What a link asked for that could not be used (js/core/url.js, js/planner/trip.js):
        # {value} is the link's own text, shown as text.
        "linkProblems": _("Some parts of the link could not be used:"),
        "linkNoticeClose": _("Close"),
        "linkNoticeCloseLabel": _("Close this notice about the link"),
        "linkView": _("The link's map position “{value}” is not a place on the map; showing the whole map."),
        "linkZoom": _("The link's zoom level {value} is out of range; using {zoom}."),
        "linkSite": _("The link's place “{value}” was not found; showing the whole map."),
        "linkSiteKept": _("The link's place “{value}” was not found."),
        "linkLayer": _("The link's layer “{value}” does not exist; showing all layers."),
        "linkLayerSome": _("The link's layer “{value}” does not exist and was left out."),
        "linkFilter": _("The link's filter “{value}” does not exist and was left out."),
        "linkRadius": _("The link's distance “{value}” is not one of the choices; using {km} km."),
        "linkSetting": _("The link's setting “{value}” was not understood and was left out."),
        "linkNear": _("The link's place “{value}” for “places near” is not on the map; showing no nearby search."),
        "linkStart": _("The link's start time “{value}” is not a time of day; using {time}."),
        "linkDate": _("The link's date “{value}” is not a date and was left out."),
        "linkSearchOffline": _("This copy of the map cannot search; the link's search “{value}” was left out."),
        "linkMode": _("The link's way of travel “{value}” does not exist; using {mode}."),
        # The trip's part of a link (js/planner/trip.js readUrl):
        "linkTripUnknown": _("The link's trip stop “{value}” was not found and was left out."),
        "linkTripUnlocated": _(
            "“{value}” has no location yet (to be confirmed), so it cannot be a trip stop and was left out."
        ),
        "linkTripTwice": _("The link lists the stop “{value}” more than once; it is in the trip once."),
        "linkTripMax": _("A trip has at most {n} stops; the link's further stops “{value}” were left out."),
        "linkFrom": _(
            "The link's start point “{value}” is not a town, street or point on the map; starting at the first stop."
        ),
        "linkTo": _(
            "The link's end point “{value}” is not a town, street or point on the map; ending at the last stop."
        ),
        "linkVisit": _("The link's visit time “{value}” was not understood and was left out."),
        "linkVisitRange": _(
            "The link's visit time for {name}, {value} minutes, is out of range; using {minutes} minutes."
        ),
        "linkTripTheme": _("The link's themed trip “{value}” does not exist and was left out."),
    }


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=current_lang, default_locale=DEFAULT_LANG)
    app.jinja_env.filters["tr"] = tr
    app.jinja_env.filters["other"] = other
    app.jinja_env.filters["citation"] = lambda source: tr(citation(source))
    app.jinja_env.filters["quantity"] = lambda item, lang=None: quantity(
        item.value, _unit(item.unit), lang or current_lang()
    )
    app.jinja_env.globals["html_lang"] = lambda: HTML_LANG[str(get_locale())]
    app.jinja_env.globals["lang"] = lambda: str(get_locale())
