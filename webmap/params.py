"""The query-parameter vocabulary: which parameters select sites (one list, shared by the
API, the exports, the OGC API and the page config the browser reads) and the one check
that refuses a parameter nobody asked for. No Flask here.

Adding a filter: one entry in ``FILTERS`` (and its test in ``selection.Selection.ids``);
see docs/architecture.md."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .errors import WebmapError

# query parameter -> the Selection field it fills (``layers`` and ``themes`` are plural aliases)
FILTERS = {
    "layer": "layers",
    "layers": "layers",
    "theme": "themes",
    "themes": "themes",
    "status": "statuses",
    "precision": "precisions",
}
# Every parameter that selects sites: the filters, ``school=1`` and the free-text ``q``.
SELECTION_PARAMS = (*FILTERS, "school", "q")


class ParameterError(WebmapError):
    """A query parameter has a bad value: names the parameter and, when known, the allowed values."""

    code = "invalid_parameter"

    def __init__(self, parameter: str, message: str, allowed: Sequence[str] | None = None, code: str | None = None):
        self.parameter = parameter
        self.allowed = list(allowed) if allowed is not None else None
        super().__init__(message, code=code, parameter=parameter, allowed=self.allowed)


def unknown_parameter(args: Iterable[str], allowed: Iterable[str]) -> str | None:
    """The first (sorted) name in ``args`` that is not ``allowed``, or None."""
    unknown = sorted(set(args) - set(allowed))
    return unknown[0] if unknown else None


def unknown_message(name: str) -> str:
    return f"unknown query parameter {name!r}"


def reject_unknown(args: Iterable[str], allowed: Iterable[str]) -> None:
    """Refuse a query parameter the endpoint does not take (a typo must not be ignored)."""
    allowed = set(allowed)
    name = unknown_parameter(args, allowed)
    if name is not None:
        raise ParameterError(name, unknown_message(name), sorted(allowed), code="unknown_parameter")


def as_json() -> dict:
    """For the page config: the canonical filter names and their plural aliases."""
    canonical = [p for p, field in FILTERS.items() if not p.endswith("s") or p == "status"]
    return {
        "filters": [*canonical, "school", "q"],
        "aliases": {p: p[:-1] for p in FILTERS if p not in canonical},
    }
