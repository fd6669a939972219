"""Detail rows on the review side (明细表, SPEC §12.1): the rows a reviewer marks 存疑 when
returning a record, and the rows changed since the last return.

A doubt names a row by its table and ``uid`` (rows keep their uid across edits) with a
reason; it is checked against the record before anything is written, stored on the return's
review record (``ReviewRecord.doubts``: ``[{"table", "uid", "row", "reason"}]``, ``row`` its
1-based place when returned) and listed in the return's reason, which the enterprise is sent.
Used by ``workflow.review``; the portal and the review page read ``of_last_return``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping

from app.domain import workflow
from app.domain.errors import BilingualError
from app.domain.records import details as D

REASON_MAX = 300  # characters of one row's reason
DESCRIBED_MAX = 60  # characters of a row described in the return's reason


class DoubtError(BilingualError):
    """A doubt that cannot be stored: an unknown table or row, or no reason."""


def cleaned(doubts: Iterable[Mapping]) -> list[dict]:
    """Doubts as given (from the review form): each a known table, a uid and a reason;
    one per row (the last given wins). Raises ``DoubtError``."""
    found: dict[tuple[str, str], dict] = {}
    for doubt in doubts:
        table = str(doubt.get("table") or "")
        uid = str(doubt.get("uid") or "")
        reason = " ".join(str(doubt.get("reason") or "").split())[:REASON_MAX]
        if table not in D.TABLES or not uid:
            raise DoubtError("存疑的明细行不存在，请刷新页面后重新标记。",
                             "A row marked as doubtful does not exist: reload the page and "
                             "mark it again.")
        if not reason:
            raise DoubtError(f"请填写{D.TABLES[table].sheet_zh}中每个存疑行的原因。",
                             f"Give a reason for each doubtful row of "
                             f"{D.TABLES[table].sheet_en}.")
        found[(table, uid)] = {"table": table, "uid": uid, "reason": reason}
    return list(found.values())


def checked(doubts: Iterable[Mapping], action: str, records: int) -> list[dict]:
    """``cleaned`` doubts, given only with a return of one record."""
    doubts = cleaned(doubts)
    if doubts and action != workflow.RETURN:
        raise DoubtError("只有退回修改时才能标记存疑的明细行；请选择“退回修改”或取消存疑标记。",
                         "Rows can be marked as doubtful only when returning the record: "
                         "choose “Return for correction” or clear the marks.")
    if doubts and records != 1:
        raise DoubtError("存疑的明细行只能在单条记录的审核页面上标记。",
                         "Doubtful rows are marked on one record's review page.")
    return doubts


def placed(details: Mapping | None, doubts: list[dict]) -> list[dict]:
    """The doubts with each row's place in the record's table; a row the record does not
    hold (removed meanwhile, or never there) is refused with ``DoubtError``."""
    placed_doubts = []
    for doubt in doubts:
        rows = (details or {}).get(doubt["table"]) or []
        place = next((n for n, row in enumerate(rows, 1) if row.get("uid") == doubt["uid"]),
                     None)
        if place is None:
            table = D.TABLES[doubt["table"]]
            raise DoubtError(f"{table.sheet_zh}中没有所标记的存疑行（可能已被修改或删除），"
                             "请刷新页面后重新标记；记录未作任何改动。",
                             f"{table.sheet_en} has no row like the one marked as doubtful "
                             "(it may have been changed or removed): reload the page and "
                             "mark it again. Nothing was changed.")
        placed_doubts.append({**doubt, "row": place})
    return sorted(placed_doubts, key=lambda d: (list(D.TABLES).index(d["table"]), d["row"]))


def reason_with(reason: str, details: Mapping | None, doubts: list[dict]) -> str:
    """The return's reason followed by the doubtful rows, one a line:
    存疑明细：知识产权明细第 2 行（发明专利 ZL202310123456.7 …）：证书号与附件不符"""
    if not doubts:
        return reason
    lines = []
    for doubt in doubts:
        row = ((details or {}).get(doubt["table"]) or [])[doubt["row"] - 1]
        described = D.describe_row(doubt["table"], row)
        if len(described) > DESCRIBED_MAX:
            described = described[:DESCRIBED_MAX - 1] + "…"
        lines.append(f"{D.TABLES[doubt['table']].sheet_zh}第 {doubt['row']} 行"
                     f"（{described}）：{doubt['reason']}")
    listing = "存疑明细：" + "；".join(lines)
    return f"{reason}\n{listing}" if reason else listing


def details_snapshot(details: Mapping | None) -> dict:
    """The rows as they are, for the return's snapshot."""
    return copy.deepcopy(dict(details or {}))


def _last_return(submission):
    returned = [r for r in submission.reviews if r.action == workflow.RETURN]
    return returned[-1] if returned else None


def of_last_return(submission) -> dict[tuple[str, str], dict]:
    """The rows marked 存疑 when the record was last returned, by (table, uid)."""
    last = _last_return(submission)
    return {(d.get("table"), d.get("uid")): d for d in (last.doubts or [])} \
        if last is not None else {}


def row_changes_since_return(submission) -> list[dict]:
    """Rows added, changed and removed since the last return (``D.row_changes``); none when
    the record was never returned, or returned before rows were kept in the snapshot."""
    last = _last_return(submission)
    if last is None or not last.snapshot or "details" not in last.snapshot:
        return []
    return D.row_changes(last.snapshot["details"], submission.details)
