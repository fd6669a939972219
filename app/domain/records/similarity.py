"""Near-copies (数据雷同, rule W19): records sharing many equal non-zero figures."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from app.domain.records.fields import REGISTRY

NUMERIC_KEYS = tuple(REGISTRY.numeric_keys())


def equal_figures(a: Mapping[str, Any], b: Mapping[str, Any],
                  keys: Iterable[str] = NUMERIC_KEYS) -> int:
    """How many numeric fields are non-zero and equal in both records."""
    count = 0
    for key in keys:
        value = a.get(key)
        if value and value == b.get(key):
            count += 1
    return count


class SimilarityIndex:
    """Finds, for each record of a batch, the most equal figures it shares with another.

    Records are compared only with those sharing an exact non-zero anchor figure
    (revenue, R&D expense or total assets): near-copies share those too, and it
    keeps the work linear. Buckets larger than ``max_bucket`` (round numbers such
    as 100) are skipped as uninformative.
    """

    def __init__(self, anchors: tuple[str, ...] = ("revenue", "rd_expense", "total_assets"),
                 keys: Iterable[str] = NUMERIC_KEYS, max_bucket: int = 200):
        self.anchors = anchors
        self.keys = tuple(keys)
        self.max_bucket = max_bucket
        self.records: dict[Any, Mapping[str, Any]] = {}
        self.buckets: dict[tuple[str, Any], list] = {}

    def add(self, record_id: Any, values: Mapping[str, Any]) -> None:
        self.records[record_id] = values
        for anchor in self.anchors:
            value = values.get(anchor)
            if value:
                self.buckets.setdefault((anchor, value), []).append(record_id)

    def similar_figures(self, record_id: Any) -> int:
        values = self.records[record_id]
        best = 0
        seen = {record_id}
        for anchor in self.anchors:
            bucket = self.buckets.get((anchor, values.get(anchor)), ())
            if len(bucket) > self.max_bucket:
                continue
            for other in bucket:
                if other not in seen:
                    seen.add(other)
                    best = max(best, equal_figures(values, self.records[other], self.keys))
        return best
