"""Near-copies (数据雷同, rule W19): records sharing many equal non-zero figures."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from app.domain.fields import REGISTRY

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
