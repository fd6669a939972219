"""The dashboard's 培育 tab: the pool pyramid of the area shown (open memberships per
main-track tier, the parallel tracks beside it as numbers, a table and chart per region one
level down) and a Sankey of the moves between tiers that a data year's confirmed
evaluations made, with a year selector. Tables as the other tabs' (tables.Table), so the
screen and the Excel export show the same; charts drawn by static/js/dashboard_cultivation.js
(pyramid, Sankey) and static/js/charts.js (the stacked bars)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from flask import abort, request, url_for
from flask_babel import gettext as _

from app.domain.pools import MAIN, PARALLEL
from app.i18n import current_language
from app.services.dashboard import cache as figure_cache
from app.services.dashboard import cultivation as service
from app.services.dashboard import figures as dashboard
from app.views.dashboard.tables import Cell, Table, chart

CULTIVATION = "cultivation"
KEYS = ("pyramid", "pool_regions", "flows")


@dataclass
class Cultivation:
    """What the tab shows (and the figure store keeps)."""
    tables: dict[str, Table]
    charts: dict[str, dict]
    parallel: list[tuple[str, int]] = field(default_factory=list)  # (track, members)
    years: list[int] = field(default_factory=list)
    year: int | None = None
    has_pools: bool = True


def year_arg() -> int | None:
    raw = request.args.get("year")
    if raw in (None, ""):
        return None
    if not raw.isdigit() or len(raw) != 4:
        abort(404)
    return int(raw)


def figures(area: dashboard.Area, year: int | None,
            fresh: bool = False) -> tuple[Cultivation, dt.datetime]:
    """(the tab's figures, when counted), kept per language, scope, region and year as the
    other tabs' (services/dashboard/cache.py)."""
    return figure_cache.remembered(
        ("cultivation", current_language(), area.scope, area.region, year),
        lambda: build(area, year), fresh=fresh,
        seconds=figure_cache.seconds_for("DASHBOARD_CACHE_SECONDS"))


def _drill(area: dashboard.Area, code: str) -> str | None:
    if code == area.region:
        return None
    return url_for("DashboardView.index", activity=area.activity.id, region=code,
                   tab=CULTIVATION)


def build(area: dashboard.Area, year: int | None) -> Cultivation:
    language = current_language()
    pools = service.pools()
    main = [p for p in pools if p.track == MAIN]
    parallel = [p for p in pools if p.track == PARALLEL]
    counts = service.members(area.scope, area.region, area.row_length)
    totals: Counter = Counter()
    for (_code, pool_id), count in counts.items():
        totals[pool_id] += count

    pyramid = Table("pyramid", _("Members per tier"), [_("Tier"), _("Number of enterprises")])
    for pool in main:
        pyramid.rows.append([Cell(pool.label(language)), Cell(totals[pool.id])])
    regions = Table("pool_regions", _("Members by region"), [
        _("Region"), *[p.label(language) for p in main], _("Main track total"),
        *[p.label(language) for p in parallel]])
    rows = dashboard.rows_of(area)
    for code, name in rows:
        in_main = [counts.get((code, p.id), 0) for p in main]
        regions.rows.append([Cell(name, _drill(area, code)), *map(Cell, in_main),
                             Cell(sum(in_main)),
                             *[Cell(counts.get((code, p.id), 0)) for p in parallel]])
    if len(rows) > 1:
        in_main = [totals[p.id] for p in main]
        regions.rows.append([Cell(_("Sum")), *map(Cell, in_main), Cell(sum(in_main)),
                             *[Cell(totals[p.id]) for p in parallel]])

    years = service.flow_years()
    year = year if year is not None else (years[0] if years else None)
    moves = service.flows(area.scope, area.region, year) if year is not None else []
    flows = _flow_table(moves, {p.id: p for p in pools}, language)

    charts = {
        "pyramid": {"type": "pyramid", "name": _("Number of enterprises"),
                    # the top tier at the top: the pyramid reads in the ladder's order
                    "data": [{"name": p.label(language), "value": totals[p.id]}
                             for p in reversed(main)]},
        "pool_regions": chart(regions, list(range(1, len(main) + 1)), "stacked"),
        "flows": _sankey(moves, main, language),
    }
    return Cultivation({"pyramid": pyramid, "pool_regions": regions, "flows": flows}, charts,
                       [(p.label(language), totals[p.id]) for p in parallel], years, year,
                       has_pools=bool(pools))


def _end(end, pools: dict, language: str, track: str) -> str:
    if end == service.OUTSIDE:
        return _("Not in a pool") if track == MAIN else _("Not in the track")
    if end == service.LEFT:
        return _("Left the pools") if track == MAIN else _("Left the track")
    pool = pools.get(end)
    return pool.label(language) if pool else str(end)


def _flow_table(moves: list[service.Flow], pools: dict, language: str) -> Table:
    table = Table("flows", _("Moves between tiers"), [
        _("From"), _("To"), _("Track"), _("Number of enterprises")])
    tracks = {MAIN: _("Main track"), PARALLEL: _("Parallel track")}
    for move in sorted(moves, key=lambda m: (m.track != MAIN, -m.count)):
        table.rows.append([Cell(_end(move.source, pools, language, move.track)),
                           Cell(_end(move.target, pools, language, move.track)),
                           Cell(tracks.get(move.track, move.track)), Cell(move.count)])
    return table


def _sankey(moves: list[service.Flow], main: list, language: str) -> dict:
    """The main track's moves as a two-column Sankey: where enterprises were (no pool, or
    a tier) on the left, where they went (a tier, or out) on the right. Two columns keep a
    year with promotions and falls back between the same tiers drawable (no cycle)."""
    moves = [m for m in moves if m.track == MAIN]
    used_from = {m.source for m in moves}
    used_to = {m.target for m in moves}
    order = [p.id for p in main]
    names = {p.id: p.label(language) for p in main}
    nodes = []
    for end in [service.OUTSIDE, *order]:
        if end in used_from:
            nodes.append({"name": f"from-{end}", "label": names.get(end) or _("Not in a pool"),
                          "depth": 0})
    for end in [*order, service.LEFT]:
        if end in used_to:
            nodes.append({"name": f"to-{end}", "label": names.get(end) or _("Left the pools"),
                          "depth": 1})
    return {"type": "sankey", "nodes": nodes, "name": _("Number of enterprises"),
            "links": [{"source": f"from-{m.source}", "target": f"to-{m.target}",
                       "value": m.count} for m in moves]}
