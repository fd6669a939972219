"""Cultivation pools (梯度培育库, SPEC §12.4): tiers in order plus parallel tracks, and what an
evaluation proposes for one enterprise from its profile and its open memberships.

Main-track tiers are ordered; an enterprise belongs to at most one of them at a time. The
highest tier whose entry criterion holds is its target: from no tier it *enters*, from a
lower tier it is *promoted* (the lower membership ends when the promotion is confirmed); a
member whose tier's exit criterion holds *exits*. A parallel track is entered and left on its
own. A criterion that lacks data (数据不足) where the decision needs it makes the enterprise
*insufficient*: nothing is proposed for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.domain.profiles import FALSE, INSUFFICIENT, TRUE, Criterion, Profile, describe_values

MAIN, PARALLEL = "main", "parallel"
ENTER, PROMOTE, EXIT = "enter", "promote", "exit"
CHANGES = (ENTER, PROMOTE, EXIT)

# (key, 中文名, English, track, entry, exit)
DEFAULT_POOLS = (
    ("tech_sme", "科技型中小企业", "Technology-based SMEs", MAIN,
     'scale in ("中型", "小型", "微型") and employees <= 500 and revenue <= 20000 '
     "and total_assets <= 20000 and rd_staff >= 1",
     "employees > 500 or revenue > 20000 or total_assets > 20000"),
    ("high_tech", "高新技术企业", "High-tech enterprises", MAIN,
     '"高新技术企业" in qualifications',
     '"高新技术企业" not in qualifications'),
    ("eaglet", "雏鹰企业", "Eaglet enterprises", MAIN,
     '"高新技术企业" in qualifications and revenue >= 500 and growth(revenue, 1) >= 0.2 '
     "and ip_count >= 1",
     "growth(revenue, 1) < 0"),
    ("gazelle", "瞪羚企业", "Gazelle enterprises", MAIN,
     '"瞪羚企业" in qualifications or (revenue >= 2000 and growth(revenue, 3) >= 0.2)',
     "growth(revenue, 1) < -0.1"),
    ("unicorn", "独角兽企业", "Unicorn enterprises", MAIN,
     '"独角兽企业" in qualifications',
     '"独角兽企业" not in qualifications'),
    ("specialised", "专精特新企业", "Specialised and innovative SMEs", PARALLEL,
     '"专精特新中小企业" in qualifications or "专精特新“小巨人”企业" in qualifications',
     '"专精特新中小企业" not in qualifications and "专精特新“小巨人”企业" not in qualifications'),
)


@dataclass(frozen=True)
class Tier:
    key: str
    name: str
    track: str
    position: int
    entry: Criterion
    exit: Criterion | None


@dataclass(frozen=True)
class Proposal:
    pool: str  # the tier entered (enter, promote) or left (exit)
    change: str
    reasons: tuple[str, ...]
    leaves: str | None = None  # a promotion's lower tier, closed at confirmation


@dataclass(frozen=True)
class Decision:
    proposals: tuple[Proposal, ...] = ()
    insufficient: bool = False
    reasons: tuple[str, ...] = ()  # why it is insufficient


def _reason(tier: Tier, kind: str, criterion: Criterion, verdict: str, values: Mapping) -> str:
    said = {TRUE: "成立", FALSE: "不成立", INSUFFICIENT: "数据不足"}[verdict]
    label = "进入条件" if kind == "entry" else "退出条件"
    read = describe_values(values) if values else "该年度无通过审核的填报数据"
    return f"{tier.name}{label}{said}：{criterion.text}（{read}）"


def decide(profile: Profile, tiers: Sequence[Tier], members: set[str],
           year: int | None = None) -> Decision:
    """What to propose for one enterprise; ``members`` are the keys of its open pools."""
    proposals: list[Proposal] = []
    lacking: list[str] = []
    main = sorted((t for t in tiers if t.track == MAIN), key=lambda t: t.position)
    current = next((t for t in reversed(main) if t.key in members), None)

    exiting = False
    if current is not None and current.exit is not None:
        verdict, values = current.exit.evaluate(profile, year)
        if verdict == INSUFFICIENT:
            lacking.append(_reason(current, "exit", current.exit, verdict, values))
        elif verdict == TRUE:
            exiting = True
            proposals.append(Proposal(current.key, EXIT,
                                      (_reason(current, "exit", current.exit, verdict, values),)))

    target = None
    for tier in reversed(main):  # highest first: the first that holds is the target
        if current is not None and not exiting and tier.position <= current.position:
            break  # a member is never moved down by entry criteria, only by its exit
        verdict, values = tier.entry.evaluate(profile, year)
        if verdict == INSUFFICIENT:
            lacking.append(_reason(tier, "entry", tier.entry, verdict, values))
            break  # a higher tier cannot be ruled out: never guess a lower one
        if verdict == TRUE:
            target = (tier, _reason(tier, "entry", tier.entry, verdict, values))
            break
    if target is not None and not lacking:
        tier, reason = target
        if current is None or exiting:
            if not (exiting and tier.key == current.key):
                proposals.append(Proposal(tier.key, ENTER, (reason,)))
        elif tier.position > current.position:
            proposals.append(Proposal(tier.key, PROMOTE, (reason,), leaves=current.key))

    for tier in (t for t in tiers if t.track == PARALLEL):
        if tier.key in members:
            if tier.exit is None:
                continue
            verdict, values = tier.exit.evaluate(profile, year)
            change = EXIT
            criterion, kind = tier.exit, "exit"
        else:
            verdict, values = tier.entry.evaluate(profile, year)
            change = ENTER
            criterion, kind = tier.entry, "entry"
        if verdict == INSUFFICIENT:
            lacking.append(_reason(tier, kind, criterion, verdict, values))
        elif verdict == TRUE:
            proposals.append(Proposal(tier.key, change,
                                      (_reason(tier, kind, criterion, verdict, values),)))

    if lacking:
        return Decision(insufficient=True, reasons=tuple(lacking))
    return Decision(proposals=tuple(proposals))
