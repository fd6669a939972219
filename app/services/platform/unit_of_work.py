"""One transaction for a large operation (an upload, a score run)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from app.extensions import db


@contextmanager
def bulk_transaction() -> Iterator[None]:
    """Commit everything or nothing, with the cyclic garbage collector paused: a batch
    allocates millions of short-lived objects and no cycles (see docs/PERFORMANCE.md)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    finally:
        if was_enabled:
            gc.enable()
