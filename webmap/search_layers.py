"""A search index that follows edits without being rebuilt: the big index built at
start-up, the sites changed since masked out of it, and a small index of their new
versions. A hit's score depends only on the texts of its own site, so merging the two
answers gives exactly what one index over the current sites would (same hits, same
order: best score first, then site id). No Flask here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from .search import Hit, SearchIndex


class LayeredIndex:
    """``base`` minus ``masked`` ids, plus ``overlay`` (the current version of every
    masked site that still exists, as served ``properties``)."""

    def __init__(self, base: SearchIndex, overlay: Mapping[str, dict], masked: Iterable[str]):
        self.base = base
        self.overlay = dict(overlay)  # site id -> served properties
        self.masked = frozenset(masked) | frozenset(self.overlay)
        self._extra = SearchIndex()
        for fid, props in self.overlay.items():
            self._extra.add_geojson(fid, props)
        self._extra.close()

    @classmethod
    def of(cls, index: SearchIndex | LayeredIndex) -> LayeredIndex:
        return index if isinstance(index, LayeredIndex) else cls(index, {}, ())

    def changed(self, replaced: Mapping[str, dict], retired: Iterable[str]) -> LayeredIndex:
        """A new index with ``replaced`` (id -> served properties; new sites too) and
        without ``retired``; this one is left as it is (requests may still use it)."""
        retired = set(retired)
        overlay = {k: v for k, v in self.overlay.items() if k not in retired}
        overlay.update(replaced)
        return LayeredIndex(self.base, overlay, self.masked | retired | set(replaced))

    @property
    def size(self) -> int:
        """How many sites are answered from the overlay or masked out."""
        return len(self.masked)

    def search(self, query: str) -> Sequence[Hit]:
        hits = self.base.search(query).without(self.masked)  # on arrays: no Hit made for the whole answer
        extra = self._extra.search(query)
        if not extra:
            return hits
        return sorted([*hits, *extra], key=lambda h: (-h.score, h.site_id))

    def site_ids(self, query: str) -> list[str]:
        """The sites ``query`` finds (base ones first, then the changed ones), no ``Hit`` made."""
        return self.base.search(query).without(self.masked).site_ids() + self._extra.site_ids(query)
