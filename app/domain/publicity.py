"""公示, 异议, 公告 and registration (SPEC §12.3): the rules, in plain Python.

A 公示 batch goes 草稿 → 公示中 (published, immutable) → 已公告 (closed). Its period starts on
the publishing day and lasts N working days, the last one included, weekends and the
configured holidays skipped (and configured make-up working days counted). An objection goes
待受理 → 不予受理 | 调查中 → 成立 | 不成立; a decision may go straight from 待受理 or 调查中 to
成立 or 不成立. Registration numbers follow a configurable pattern, by default
``{year}{region6}{seq:06d}`` (2026210202000123). 集中抽查 draws a reproducible sample: the same
seed over the same enterprises gives the same draw.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import string
from collections.abc import Iterable, Sequence

from app.domain.errors import BilingualError

DRAFT, PUBLISHED, CLOSED = "draft", "published", "closed"
BATCH_STATES = {DRAFT: ("草稿", "Draft"), PUBLISHED: ("公示中", "Under publicity"),
                CLOSED: ("已公告", "Announced")}

PENDING, REFUSED, INVESTIGATING, UPHELD, NOT_UPHELD = (
    "pending", "refused", "investigating", "upheld", "not_upheld")
OBJECTION_STATES = {PENDING: ("待受理", "Awaiting acceptance"),
                    REFUSED: ("不予受理", "Not accepted"),
                    INVESTIGATING: ("调查中", "Under investigation"),
                    UPHELD: ("成立", "Upheld"), NOT_UPHELD: ("不成立", "Not upheld")}
OBJECTION_MOVES = {PENDING: {REFUSED, INVESTIGATING, UPHELD, NOT_UPHELD},
                   INVESTIGATING: {UPHELD, NOT_UPHELD}}

DEFAULT_DAYS = 5
DEFAULT_NUMBER_PATTERN = "{year}{region6}{seq:06d}"


class PublicityError(BilingualError):
    """A step the procedure does not allow; the message says why."""


def is_working_day(day: dt.date, holidays: Iterable[dt.date] = (),
                   workdays: Iterable[dt.date] = ()) -> bool:
    """A weekday that is no holiday, or a weekend day declared a make-up working day."""
    if day in set(workdays):
        return True
    return day.weekday() < 5 and day not in set(holidays)


def period_end(start: dt.date, days: int, holidays: Iterable[dt.date] = (),
               workdays: Iterable[dt.date] = ()) -> dt.date:
    """The last day of a period of ``days`` working days counted from ``start`` (which counts
    when it is a working day), the last day included."""
    if days < 1:
        raise PublicityError("公示期至少 1 个工作日。",
                             "A publicity period is at least 1 working day.")
    holidays, workdays = frozenset(holidays), frozenset(workdays)
    day, counted = start, 0
    while True:
        if is_working_day(day, holidays, workdays):
            counted += 1
            if counted == days:
                return day
        day += dt.timedelta(days=1)


def parse_days(values: Iterable[str]) -> list[dt.date]:
    """Dates of the holiday calendar as configured (2026-10-01, …); a bad one is refused."""
    found = []
    for value in values:
        text = str(value).strip()
        if not text:
            continue
        try:
            found.append(dt.date.fromisoformat(text))
        except ValueError:
            raise PublicityError(f"节假日日期“{text}”无法识别，应为 2026-10-01 这样的格式。",
                                 f"The holiday date “{text}” is not a date such as "
                                 "2026-10-01.") from None
    return found


def check_objection_move(current: str, target: str) -> None:
    if target not in OBJECTION_MOVES.get(current, set()):
        now_zh, now_en = OBJECTION_STATES.get(current, (current, current))
        to_zh, to_en = OBJECTION_STATES.get(target, (target, target))
        raise PublicityError(f"异议已是“{now_zh}”，不能改为“{to_zh}”。",
                             f"The objection is “{now_en}” and cannot become “{to_en}”.")


def registration_number(pattern: str, year: int, region: str, seq: int) -> str:
    """The pattern filled in: ``year``, ``region6`` (the county code), ``region4`` (its city),
    ``region2`` (its province) and ``seq``."""
    try:
        return pattern.format(year=year, region6=region[:6], region4=region[:4],
                              region2=region[:2], seq=seq)
    except (KeyError, IndexError, ValueError) as error:
        raise PublicityError(f"登记编号格式“{pattern}”有误：{error}。",
                             f"The registration number pattern “{pattern}” is wrong: "
                             f"{error}.") from None


def serial_scope(pattern: str, year: int, region: str) -> str:
    """What the serial counts within: the number with the serial left out (so that a
    pattern without the region counts per year, one with it per region and year)."""
    return registration_number(pattern.replace("{seq:06d}", "").replace("{seq}", ""),
                               year, region, 0)


_CODE_LETTERS = string.ascii_uppercase.replace("O", "").replace("I", "") + "23456789"


def query_code(rng: random.Random | None = None, length: int = 10) -> str:
    """A code an objector keeps to ask for the outcome: no 0/O or 1/I to misread."""
    rng = rng or random.SystemRandom()
    return "".join(rng.choice(_CODE_LETTERS) for _ in range(length))


def draw_sample(candidates: Sequence[str], share: float, seed: int) -> list[str]:
    """A reproducible random sample of ``share`` (0–1] of the candidates (at least one when
    there are any), the same for the same seed and candidates whatever their order."""
    if not 0 < share <= 1:
        raise PublicityError("抽查比例应大于 0 且不超过 100%。",
                             "The share to check must be above 0 and at most 100 %.")
    pool = sorted(set(candidates))
    if not pool:
        return []
    size = max(1, math.ceil(len(pool) * share))
    return sorted(random.Random(seed).sample(pool, size))
