"""A catalogue brought up to date site by site: what a running server does when the
database changed (its own write or another process's), instead of rebuilding 100,000
sites. The result equals what ``catalogue_from_served`` would build from the same rows
(tests/test_incremental.py checks search, bbox, nearby, counts and bytes). No Flask here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas

from ..search import SearchIndex
from ..search_layers import LayeredIndex
from .files import Source
from .loader import _assemble, _keep, _rows
from .store import Catalogue, FeatureStore, sites_frame


def apply_changes(
    cat: Catalogue, source: Source, order: Sequence[str], changed: Mapping[str, dict | None], version: str
) -> Catalogue:
    """A new catalogue: ``cat`` with ``changed`` (site id -> served form, None: retired)
    applied, its sites in ``order`` (every published id, catalogue order), and the small
    documents read again from ``source``. ``cat`` itself is not modified."""
    rows, fresh = _rows(), FeatureStore()
    replaced: dict[str, dict] = {}
    for fid, served in changed.items():
        if served is not None:
            _keep(served, fresh, _NO_SEARCH, rows)
            replaced[fid] = served["properties"]
    retired = [fid for fid, served in changed.items() if served is None]
    store = cat.features.updated(order, fresh)

    frame = cat.sites.drop(index=[fid for fid in changed if fid in cat.sites.index])
    if replaced:
        frame = pandas.concat([frame, sites_frame(rows)])
    if list(frame.index) != list(order):
        frame = frame.loc[list(order)]
    search = LayeredIndex.of(cat.search_index).changed(replaced, retired)
    return _assemble(cat.data_dir, source, [], store, frame, search, version)


class _NoSearch(SearchIndex):
    """``_keep`` without search texts: the layered index romanises the changed sites."""

    def add_geojson(self, fid: str, p: dict) -> None:
        pass


_NO_SEARCH = _NoSearch()
