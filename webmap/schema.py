"""The data contract: what a layer, a theme and a site look like.

These pydantic models are the single description of the files under ``data/``;
the loader (``webmap.catalogue``) uses them, ``docs/data.md`` explains them field by
field. Cross-record rules (unique ids, known layers, coordinates inside the
district, photo files present) live in the loader, because they need more than
one record to check.
"""

from __future__ import annotations

import math
import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from .text_rules import check_text

NonEmpty = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000), AfterValidator(check_text)
]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]
HexColour = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]


class Strict(BaseModel):
    """Unknown fields are an error: a typo must not silently drop data."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """A text in both languages; neither may be empty."""

    zh: NonEmpty
    en: NonEmpty


class Layer(Strict):
    id: Slug
    name: Text
    description: Text
    colour: HexColour
    icon: Annotated[str, StringConstraints(min_length=1, max_length=2)]
    order: int


class Theme(Strict):
    id: Slug
    name: Text


class Status(StrEnum):
    historic = "historic"
    open = "open"
    operating = "operating"
    under_construction = "under_construction"
    completed = "completed"
    planned = "planned"
    # The article shows the place but says nothing about whether it is open or running.
    unknown = "unknown"


class Precision(StrEnum):
    """How well a location is known, finest first."""

    site = "site"
    street = "street"
    village = "village"
    township = "township"
    district = "district"


class SourceBox(Strict):
    """The bounding box a source gives for an area (a township or street), kept so that
    ``webmap validate`` computes the minimum radius itself (webmap/provenance.py)."""

    source: NonEmpty
    # [west, south, east, north] in WGS-84 degrees, as the source ships it.
    bbox: tuple[float, float, float, float]
    # Which division list the box belongs to, e.g. "pre-2023 (sizhi 3.0.6)".
    vintage: NonEmpty

    @model_validator(mode="after")
    def ordered(self) -> SourceBox:
        w, s, e, n = self.bbox
        if not (w < e and s < n and all(math.isfinite(v) for v in self.bbox)):
            raise ValueError("bbox must be [west, south, east, north] with west < east and south < north")
        return self


class Candidate(Strict):
    """One source's answer to "where is it?" when sources disagree."""

    label: Text
    source: NonEmpty
    coordinates: tuple[float, float] | None = None
    box: SourceBox | None = None


class Location(Strict):
    precision: Precision
    source: NonEmpty
    # Radius in metres within which the place is believed to be; required for every
    # located place, because an "exact" pin is also only as good as its source.
    uncertainty_m: Annotated[float, Field(gt=0, le=100_000)] | None = None
    note: Text | None = None
    # The source's box for a township/street-level point (radius checked against it).
    box: SourceBox | None = None
    # The township the place is in, when that is known but no point is (shown on the page).
    township: Text | None = None
    # Every source's location when they disagree; ``disputed`` says so to the reader.
    candidates: list[Candidate] = []
    disputed: bool = False

    @property
    def approximate(self) -> bool:
        return self.precision is not Precision.site


class Fact(Strict):
    label: Text
    # The figure exactly as the article prints it ("2×100万千瓦", "4915").
    value: NonEmpty
    unit: Text | None = None


class Photo(Strict):
    # A file name inside data/photos/, or null when the article's photo is not available.
    file: str | None = None
    caption: Text
    credit: Text
    # A key of photo_ingest.LICENCES; required for a photo that came from an upload
    # (a file named s-…, webmap/suggestion_queue.py), optional for the article's own.
    licence: str | None = None
    alt: Text | None = None

    @field_validator("file")
    @classmethod
    def plain_file_name(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,120}\.(?:jpe?g|png|webp)", value, re.I):
            raise ValueError("must be a plain file name in data/photos/ ending .jpg, .jpeg, .png or .webp")
        return value

    @field_validator("licence")
    @classmethod
    def known_licence(cls, value: str | None) -> str | None:
        from .photo_ingest import LICENCES

        if value is not None and value not in LICENCES:
            raise ValueError(f"licence must be one of {', '.join(LICENCES)}")
        return value

    @model_validator(mode="after")
    def uploads_need_a_licence(self) -> Photo:
        if self.file and self.file.startswith("s-") and self.licence is None:
            raise ValueError("a photo from an upload needs a licence (licence)")
        return self


class SchoolTrip(Strict):
    suitable: bool
    notes: Text


class SiteProperties(Strict):
    layer: Slug
    name: Text
    summary: Text
    details: Text
    facts: list[Fact] = []
    status: Status
    themes: list[Slug] = []
    school_trip: SchoolTrip | None = None
    location: Location
    photos: list[Photo] = []
    article_section: Text
    # Where the article's wording differs from the official name (鸡儿崖乡 -> 鸦儿崖乡).
    name_note: Text | None = None


class PointGeometry(Strict):
    type: Literal["Point"]
    coordinates: tuple[float, float]


class SiteFeature(Strict):
    type: Literal["Feature"]
    id: Slug
    geometry: PointGeometry | None
    properties: SiteProperties

    @model_validator(mode="after")
    def location_matches_geometry(self) -> SiteFeature:
        loc = self.properties.location
        if self.geometry is None and loc.precision is not Precision.district:
            raise ValueError(
                "geometry is null but location.precision is "
                f"{loc.precision.value!r}; a place with no point must have precision 'district'"
            )
        if self.geometry is not None and loc.precision is Precision.district:
            raise ValueError("precision 'district' means no point is known: geometry must be null")
        if self.geometry is not None and loc.uncertainty_m is None:
            raise ValueError("location.uncertainty_m is required for every located site")
        return self


class DistrictFigure(Strict):
    id: Slug
    group: Literal["economy", "jobs"]
    label: Text
    period: Text
    # Figures exactly as the article prints them; growth in percent, also as printed.
    value: NonEmpty | None = None
    unit: Text | None = None
    growth_pct: Annotated[str, StringConstraints(pattern=r"^-?\d+(\.\d+)?$")] | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def has_a_figure(self) -> DistrictFigure:
        if self.value is None and self.growth_pct is None:
            raise ValueError("a figure needs a value, a growth_pct, or both")
        return self


class District(Strict):
    source: Text
    figures: list[DistrictFigure]
