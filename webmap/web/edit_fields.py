"""The rest of the data contract on the edit form: name, details, article section (zh and
en), layer, themes, school-trip suitability and notes, and the facts (label, the figure
exactly as printed, unit). The form's values from a stored site and back; whether the
result is valid is for the one validator to say (the repository runs it on save)."""

from __future__ import annotations

from typing import Any

# Texts in both languages: form name prefix → the contract's field.
TEXTS = ("name", "details", "article_section")
MAX_FACTS = 20

FIELDS = {
    **{f"{t}_{lang}": f"properties.{t}.{lang}" for t in TEXTS for lang in ("zh", "en")},
    "layer": "properties.layer",
    "themes": "properties.themes",
    "school_trip": "properties.school_trip",
    "trip_notes_zh": "properties.school_trip.notes.zh",
    "trip_notes_en": "properties.school_trip.notes.en",
    "facts": "properties.facts",
}


def values(feature: dict) -> dict[str, Any]:
    p = feature["properties"]
    trip = p.get("school_trip") or {}
    out: dict[str, Any] = {f"{t}_{lang}": (p.get(t) or {}).get(lang, "") for t in TEXTS for lang in ("zh", "en")}
    out.update(
        layer=p["layer"],
        themes=list(p.get("themes") or []),
        school_trip="on" if trip.get("suitable") else "",
        trip_notes_zh=(trip.get("notes") or {}).get("zh", ""),
        trip_notes_en=(trip.get("notes") or {}).get("en", ""),
        facts=[
            {
                "label_zh": f["label"]["zh"],
                "label_en": f["label"]["en"],
                "value": f["value"],
                "unit_zh": (f.get("unit") or {}).get("zh", ""),
                "unit_en": (f.get("unit") or {}).get("en", ""),
            }
            for f in p.get("facts") or []
        ],
    )
    return out


MARKER = "all_fields"  # a hidden input of the full edit form; other forms (accepting a suggestion) lack it


def apply(feature: dict, form) -> None:
    """Write the form's fields into ``feature`` (a copy of the stored site); a form
    without them (no ``MARKER``) leaves those fields as they are."""
    if not form.get(MARKER):
        return
    p = feature["properties"]
    for t in TEXTS:
        p[t] = {lang: form.get(f"{t}_{lang}", "").strip() for lang in ("zh", "en")}
    p["layer"] = form.get("layer", p["layer"])
    p["themes"] = form.getlist("themes")
    notes = {lang: form.get(f"trip_notes_{lang}", "").strip() for lang in ("zh", "en")}
    suitable = form.get("school_trip") == "on"
    if suitable or any(notes.values()) or p.get("school_trip") is not None:
        p["school_trip"] = {"suitable": suitable, "notes": notes}
    facts = []
    for i in range(MAX_FACTS):
        row = {
            k: form.get(f"fact_{k}_{i}", "").strip() for k in ("label_zh", "label_en", "value", "unit_zh", "unit_en")
        }
        if not any(row.values()):
            continue  # an empty row: none, or one the editor cleared to remove the fact
        fact: dict[str, Any] = {"label": {"zh": row["label_zh"], "en": row["label_en"]}, "value": row["value"]}
        if row["unit_zh"] or row["unit_en"]:
            fact["unit"] = {"zh": row["unit_zh"], "en": row["unit_en"]}
        facts.append(fact)
    p["facts"] = facts


def submitted(form) -> dict[str, Any]:
    """The values as typed, to show the form again after a refusal."""
    out: dict[str, Any] = {k: form.get(k, "") for k in FIELDS if k not in ("themes", "facts")}
    out["themes"] = form.getlist("themes")
    out["facts"] = [
        row
        for i in range(MAX_FACTS)
        if any(
            row := {
                k: form.get(f"fact_{k}_{i}", "") for k in ("label_zh", "label_en", "value", "unit_zh", "unit_en")
            }.values()
        )
    ]
    return out
