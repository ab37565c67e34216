"""Which sites a request asks for: one parser for the query parameters that select sites,
shared by the exports and the OGC API property filters. No Flask here.

The query string is read as a multi-dict (``{name: [values]}``). Each filter may be
repeated (``layer=a&layer=b``) or given as a comma list (``layers=a,b``); values within
one filter are alternatives (OR), different filters must all match (AND). Every value is
checked against the catalogue's vocabularies, so a typo is a 400 that names the parameter
and the allowed values, never an empty file.

Later filters slot in as one more entry in ``params.FILTERS`` plus one column test in ``Selection.ids``.
The free-text ``q`` (the same search as /api/search) and ``school=1`` (suitable for
school trips) are fields too, so an export matches exactly what the map lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy

from .catalogue import Catalogue
from .params import FILTERS, ParameterError, reject_unknown
from .schema import Precision, Status
from .search import MAX_QUERY

MAX_VALUES = 100  # per filter; more than any vocabulary here, fewer than a hostile URL


@dataclass(frozen=True)
class Selection:
    """A filter over the catalogue. Empty tuples mean "no restriction"."""

    layers: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    precisions: tuple[str, ...] = ()
    school: bool = False
    q: str = ""

    @property
    def is_everything(self) -> bool:
        return not (self.layers or self.themes or self.statuses or self.precisions or self.school or self.q)

    def ids(self, catalogue: Catalogue, among: Iterable[str] | None = None) -> list[str]:
        """Matching site ids, in catalogue (file) order or in the order of ``among``
        (candidates, e.g. the sites in a bounding box) when given. Runs on the
        catalogue's sites table, column by column."""
        if self.is_everything:
            return list(catalogue.features if among is None else among)
        df = catalogue.sites if among is None else catalogue.sites.loc[list(among)]
        keep = numpy.ones(len(df), dtype=bool)
        for column, values in (("layer", self.layers), ("status", self.statuses), ("precision", self.precisions)):
            if values:
                keep &= df[column].isin(values).to_numpy()
        if self.themes:
            wanted = set(self.themes)
            keep &= numpy.fromiter((not wanted.isdisjoint(ts) for ts in df["themes"]), bool, len(df))
        if self.school:
            keep &= df["school"].to_numpy(dtype=bool)
        if self.q:
            keep &= df.index.isin(catalogue.search_index.site_ids(self.q))
        return df.index[keep].tolist()

    def slug(self, catalogue: Catalogue) -> str:
        """An ASCII name for the selection, for file names: ``heritage-energy``,
        ``parks-status-open``, or ``all``. Values are slugs already (status values use
        ``_``, turned into ``-``)."""
        parts: list[str] = []
        if self.layers and set(self.layers) != set(catalogue.layer_ids):
            parts += [lid for lid in catalogue.layer_ids if lid in self.layers]
        for label, values in (("theme", self.themes), ("status", self.statuses), ("precision", self.precisions)):
            if values:
                parts += [label, *(v.replace("_", "-") for v in values)]
        if self.school:
            parts.append("school-trips")
        if self.q:
            parts.append("search")
        return "-".join(parts) or "all"

    def as_query(self) -> list[tuple[str, str]]:
        """The selection as query parameters (canonical spelling), e.g. for links."""
        out = []
        for name, values in (
            ("layers", self.layers),
            ("themes", self.themes),
            ("status", self.statuses),
            ("precision", self.precisions),
        ):
            if values:
                out.append((name, ",".join(values)))
        if self.school:
            out.append(("school", "1"))
        if self.q:
            out.append(("q", self.q))
        return out


def vocabularies(catalogue: Catalogue) -> dict[str, list[str]]:
    """The allowed values of each Selection field."""
    return {
        "layers": catalogue.layer_ids,
        "themes": [t.id for t in catalogue.themes],
        "statuses": [s.value for s in Status],
        "precisions": [p.value for p in Precision],
    }


def parse_selection(args: Mapping[str, Sequence[str]], catalogue: Catalogue) -> Selection:
    """Build a Selection from the filter parameters in ``args``; other names are ignored
    here (callers decide which other parameters they allow). Raises ``ParameterError``."""
    vocab = vocabularies(catalogue)
    chosen: dict[str, list[str]] = {}
    for param, field in FILTERS.items():
        for raw in args.get(param, ()):
            values = chosen.setdefault(field, [])
            for value in _split(param, raw):
                if value not in vocab[field]:
                    raise ParameterError(param, f"{param}: unknown value {value!r}", vocab[field])
                if value not in values:
                    values.append(value)
            if len(values) > MAX_VALUES:
                raise ParameterError(param, f"too many values (at most {MAX_VALUES})")
    school = args.get("school", ["0"])[-1]
    if school not in ("0", "1"):
        raise ParameterError("school", "school must be 1 (suitable for school trips) or 0", ["0", "1"])
    q = args.get("q", [""])[-1]
    if len(q) > MAX_QUERY:
        raise ParameterError("q", f"q must be at most {MAX_QUERY} characters")
    return Selection(**{field: tuple(values) for field, values in chosen.items()}, school=school == "1", q=q.strip())


def _split(param: str, raw: str) -> list[str]:
    values = [v.strip() for v in raw.split(",")]
    if not raw.strip() or any(not v for v in values):
        raise ParameterError(param, f"{param} needs a value (comma-separated values must not be empty)")
    return values


__all__ = ["FILTERS", "ParameterError", "Selection", "parse_selection", "reject_unknown", "vocabularies"]
