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

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
HTML_LANG = {"zh": "zh-CN", "en": "en"}


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
        "nothingFound": _("Nothing found for “{q}”. Try fewer words, pinyin (yungang) or initials (ygsk)."),
        "nothingMatches": _("No place matches these filters."),
        "clearAll": _("Clear all"),
        "approxNote": _(
            "Approximate location ({precision}, within about {km} km): it may be anywhere in the dashed circle."
        ),
        "approxShort": _("approximate"),
        "toBeConfirmed": _("location to be confirmed"),
        "details": _("Details"),
        "source": _("From the article section “{section}”"),
        "photoMissing": _("Photo not available"),
        "nearThis": _("Places near here"),
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
    }


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=current_lang, default_locale=DEFAULT_LANG)
    app.jinja_env.filters["tr"] = tr
    app.jinja_env.filters["other"] = other
    app.jinja_env.globals["html_lang"] = lambda: HTML_LANG[str(get_locale())]
    app.jinja_env.globals["lang"] = lambda: str(get_locale())
