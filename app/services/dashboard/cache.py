"""Figures that are costly to count and may be a minute old: kept per key for a while.

The dashboard of a province counts 100,000 records (docs/PERFORMANCE.md); officials open
it many times a morning. Its figures are kept for ``DASHBOARD_CACHE_SECONDS`` under a key
that holds everything they depend on — the user's scope, activity, region, score run and
language — so a user only ever gets figures counted for the same scope. The page says
when the figures were counted and offers to count them again. The store is Flask-Caching:
Redis when ``REDIS_URL`` is set (shared by every app server), else memory per process.
A store that does not answer costs a recount, never an error.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from typing import Any

from flask import current_app

from app.extensions import cache

log = logging.getLogger(__name__)


def _key(parts: tuple) -> str:
    # The release too: figures kept by the last release may be shaped for its templates.
    parts = (current_app.config["RELEASE"], *parts)
    return "figures:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def remembered(parts: tuple, compute: Callable[[], Any], *, seconds: int,
               fresh: bool = False) -> tuple[Any, dt.datetime]:
    """(value, when it was computed): the kept value for ``parts`` if there is one younger
    than ``seconds`` and ``fresh`` is not asked for, else ``compute()`` kept anew."""
    if seconds <= 0:
        return compute(), dt.datetime.now()
    key = _key(parts)
    if not fresh:
        try:
            kept = cache.get(key)
        except Exception:  # noqa: BLE001 — any store failure means: count again
            log.warning("figure cache unavailable; counting again", exc_info=True)
            kept = None
        if kept is not None:
            return kept
    value = (compute(), dt.datetime.now())
    try:
        cache.set(key, value, timeout=seconds)
    except Exception:  # noqa: BLE001
        log.warning("figure cache unavailable; figures not kept", exc_info=True)
    return value


def seconds_for(name: str) -> int:
    return int(current_app.config.get(name) or 0)
