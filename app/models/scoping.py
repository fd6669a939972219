"""How a model declares who may see its rows (``__scope__``); ``app.security.scope`` turns
the declaration and a user's scope into a SQL condition."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.sql.elements import ColumnElement


@dataclass(frozen=True)
class ScopeSpec:
    region: str | None = None  # attribute holding the row's county code
    enterprise: str | None = None  # attribute holding the row's enterprise id
    # (model, bank_id) -> condition; None: banks see none of these rows
    bank: Callable[[type, int], ColumnElement] | None = None
