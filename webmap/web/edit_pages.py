"""The HTML pages of editing: a site's public history, field by field in the page's
language, and the edit form for signed-in editors. Routes on the ``edit`` blueprint."""

from __future__ import annotations

import json
from typing import Any

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import vocab
from ..history import diff
from ..sources import NAMED_SOURCES, compose, split
from . import catalogue, edit_fields
from .auth import page_role, repository
from .edit import MAX_COMMENT, _publishes, bp, replace_site
from .edit_map import point_map_config
from .errors import ApiError
from .problem_text import translated

# ---------------------------------------------------------------------------
# The public history page: what changed, field by field, in the page's language


def _field_labels() -> dict[str, str]:
    return {
        "geometry": _("Point on the map"),
        "properties.layer": _("Layer"),
        "properties.name": _("Name"),
        "properties.summary": _("Summary"),
        "properties.details": _("Details"),
        "properties.facts": _("Facts"),
        "properties.status": _("Status"),
        "properties.themes": _("Themes"),
        "properties.school_trip": _("For school trips"),
        "properties.location": _("Location"),
        "properties.photos": _("Photos"),
        "properties.article_section": _("Article section"),
        "properties.name_note": _("Note on the name"),
    }


def readable(change: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    """One diff line for people: the field's name in the page's language (and which
    language's text changed), the values as text."""
    field = change["field"]
    head = next((k for k in sorted(labels, key=len, reverse=True) if field == k or field.startswith(k + ".")), None)
    rest = field[len(head) + 1 :].split(".") if head and field != head else []
    lang = {"zh": "中文", "en": "English"}.get(rest[-1]) if rest else None
    if lang:
        rest = rest[:-1]
    label = labels[head] if head else field
    if rest:
        label = f"{label} · {'.'.join(rest)}"

    def text(value: Any) -> str | None:
        if value is None or isinstance(value, str):
            return value
        return json.dumps(value, ensure_ascii=False)

    return {"label": label, "lang": lang, "before": text(change["before"]), "after": text(change["after"])}


@bp.app_template_global("last_revision")
def last_revision(site_id: str):
    """The newest published revision of a site, for "last updated" (None when read-only)."""
    repo = repository()
    if repo is None:
        return None
    published = [r for r in repo.history(site_id) if r.state == "published"]
    return published[-1] if published else None


def history_rows(site_id: str):
    """(feature, published revisions newest first with their readable diff); 404 if unknown."""
    feature = catalogue().features.get(site_id)
    if feature is None:
        abort(404, description=_("No place with the id “%(id)s”.", id=site_id))
    repo = repository()
    revisions = [r for r in repo.history(site_id) if r.state == "published"] if repo is not None else []
    labels = _field_labels()
    rows = [
        {"rev": r, "changes": [readable(c, labels) for c in diff(r.before, r.after)]}
        for r in sorted(revisions, key=lambda r: r.n, reverse=True)
    ]
    return feature, rows


@bp.get("/sites/<site_id>/history")
def history_page(site_id: str):
    feature, rows = history_rows(site_id)
    restored = request.args.get("restored", type=int)
    return render_template("history.html", f=feature, p=feature.properties, rows=rows, restored=restored, errors={})


# ---------------------------------------------------------------------------
# The edit form on the site page (no script: a plain form, CSRF-checked like every write)

# Form field → the data contract's field, as the validator names it.
FORM_FIELDS = {
    "summary_zh": "properties.summary.zh",
    "summary_en": "properties.summary.en",
    "status": "properties.status",
    "precision": "properties.location.precision",
    "source_kind": "properties.location.source.kind",
    "location_source": "properties.location.source",
    "source_url": "properties.location.source.url",
    "uncertainty_m": "properties.location.uncertainty_m",
    "lon": "geometry",
    "lat": "geometry",
    "comment": "comment",
    **edit_fields.FIELDS,
    "new_id": "id",
}


def _form_values(feature: dict) -> dict[str, str]:
    p, loc = feature["properties"], feature["properties"]["location"]
    coords = (feature.get("geometry") or {}).get("coordinates") or ("", "")
    unc = loc.get("uncertainty_m")
    kind, text, url = split(loc["source"])
    return {
        "summary_zh": p["summary"]["zh"],
        "summary_en": p["summary"]["en"],
        "status": p["status"],
        "precision": loc["precision"],
        "source_kind": kind,
        "location_source": text,
        "source_url": url,
        "uncertainty_m": "" if unc is None else f"{unc:g}",
        "lon": str(coords[0]),
        "lat": str(coords[1]),
        "comment": "",
        **edit_fields.values(feature),
    }


def _number(value: str, name: str, errors: dict[str, str]) -> float | None:
    if not value.strip():
        return None
    try:
        return float(value)
    except ValueError:
        errors[name] = _("Enter a number.")
        return None


def _feature_from_form(current: dict, form, errors: dict[str, str]) -> dict:
    feature = json.loads(json.dumps(current))
    p = feature["properties"]
    p["summary"] = {"zh": form.get("summary_zh", ""), "en": form.get("summary_en", "")}
    edit_fields.apply(feature, form)
    p["status"] = form.get("status", "")
    loc = p["location"]
    loc["precision"] = form.get("precision", "")
    kind, url = form.get("source_kind", ""), form.get("source_url", "").strip()
    if kind and kind not in NAMED_SOURCES:
        errors["source_kind"] = _("Choose a source from the list.")
    if url and (not url.startswith(("https://", "http://")) or any(c.isspace() or c in "<>" for c in url)):
        errors["source_url"] = _("A web address starts with https:// and has no spaces.")
    loc["source"] = compose(kind, form.get("location_source", ""), url)
    unc = _number(form.get("uncertainty_m", ""), "uncertainty_m", errors)
    if unc is None:
        loc.pop("uncertainty_m", None)
    else:
        loc["uncertainty_m"] = unc
    lon, lat = _number(form.get("lon", ""), "lon", errors), _number(form.get("lat", ""), "lat", errors)
    if lon is None and lat is None:
        feature["geometry"] = None
    elif lon is None or lat is None:
        errors["lon" if lon is None else "lat"] = _("Give both longitude and latitude, or neither.")
    else:
        feature["geometry"] = {"type": "Point", "coordinates": [lon, lat]}
    # A point placed or moved must say where it comes from: a named source from the list.
    if feature["geometry"] and feature["geometry"] != current.get("geometry") and not kind:
        errors["source_kind"] = _("Choose where this location comes from.")
    return feature


def _problems_by_field(problems: list[dict[str, Any]]) -> tuple[dict[str, str], list[str]]:
    """The validator's problems next to the form field they are about; the rest on top."""
    by_field: dict[str, str] = {}
    other: list[str] = []
    for problem in problems:
        where = problem.get("field") or ""
        if not where:  # the model's own checks name no field; their message does
            if "uncertainty_m" in problem["message"]:
                where = "properties.location.uncertainty_m"
            elif "precision" in problem["message"]:
                where = "properties.location.precision"
        names = [n for n, f in FORM_FIELDS.items() if where and (where + ".").startswith(f + ".")]
        if names:  # the most specific field: school_trip.notes.zh is trip_notes_zh, not school_trip
            name = max(names, key=lambda n: len(FORM_FIELDS[n]))
            by_field.setdefault(name, translated(problem["message"]))
        else:
            message = translated(problem["message"])
            other.append(f"{where}: {message}" if where else message)
    return by_field, other


def why(errors: dict[str, str]) -> str:
    """The form's required "why" (field ``comment``); a problem with it goes into ``errors``."""
    text = request.form.get("comment", "").strip()
    if not text:
        errors["comment"] = _("Say briefly why you make this change.")
    elif len(text) > MAX_COMMENT:
        errors["comment"] = _("At most %(n)s characters.", n=MAX_COMMENT)
    return text


def refused(exc: ApiError) -> tuple[dict[str, str], list[str]]:
    """A save the repository refused: the validator's problems at their fields, else the message on top."""
    if exc.detail.get("problems"):
        return _problems_by_field(exc.detail["problems"])
    return {}, [exc.message]


@bp.route("/sites/<site_id>/edit", methods=["GET", "POST"])
def edit_page(site_id: str):
    who = page_role("editor")
    stored = repository().site(site_id)
    if stored is None or stored.retired:
        abort(404, description=_("No place with the id “%(id)s”.", id=site_id))
    values, errors, notes, status = _form_values(stored.feature), {}, [], 200
    revision = stored.revision
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in FORM_FIELDS} | edit_fields.submitted(request.form)
        revision = int(request.form.get("revision", "0") or 0) if request.form.get("revision", "").isdigit() else 0
        feature = _feature_from_form(stored.feature, request.form, errors)
        comment = why(errors)
        if not errors:
            try:
                rev = replace_site(who, site_id, feature, comment, revision)
            except ApiError as exc:
                if exc.status == 412:
                    changed = ", ".join(exc.detail.get("changed") or [])
                    message = _("Someone changed this place since you opened the form (%(fields)s).", fields=changed)
                    notes.append(message + " " + _("Check the fields and save again to keep your version."))
                    revision = exc.detail.get("current_revision") or revision
                else:
                    errors, notes = refused(exc)
            else:
                lang = request.args.get("lang")
                if rev.state == "published":
                    return redirect(url_for("pages.site", site_id=site_id, lang=lang))
                return redirect(url_for("pages.site", site_id=site_id, lang=lang, proposed=rev.n))
        status = 400
    f = catalogue().features.get(site_id)
    page = edit_form(who, f=f, site_id=site_id, values=values, errors=errors, notes=notes, revision=revision)
    return page, status


def edit_form(who, **context) -> str:
    """The edit form (templates/edit.html) for a place, or blank for a new one (site_pages)."""
    cat = catalogue()
    return render_template(
        "edit.html",
        vocab=vocab.as_json(),
        layers=cat.layers,
        themes=cat.themes,
        max_facts=edit_fields.MAX_FACTS,
        sources=NAMED_SOURCES,
        point_map=point_map_config(),
        publishes=_publishes(who),
        **context,
    )
