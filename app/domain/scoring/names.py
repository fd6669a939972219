"""English of the names evaluation projects use, from the reference projects we ship.

A project stored before its parts had English names, a copy of one, or the editor's
starter still names its stages, groups, indicators, units, grades and reasons as the
reference projects do (初创期, 研发费用金额, 万元, 通过). ``known_english`` gives the English
those projects give the same Chinese name, so English pages show it until the province
types its own ``name_en``."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "data" / "indicator-projects"
# Names the editor itself writes (the starter project of ``form.starter_definition``).
BUILT_IN = {"核心指标": "Core indicators", "全部": "All enterprises"}


def _pairs(definition: Mapping[str, Any]) -> Iterator[tuple[Any, Any]]:
    """(Chinese, English) of every named part of a project definition."""
    yield definition.get("name"), definition.get("name_en")
    rule = definition.get("stage_rule")
    for stage in rule.get("stages") or [] if isinstance(rule, Mapping) else []:
        yield stage.get("name"), stage.get("name_en")
    for group in definition.get("groups") or []:
        yield group.get("name"), group.get("name_en")
        for indicator in group.get("indicators") or []:
            yield indicator.get("name"), indicator.get("name_en")
            yield indicator.get("unit"), indicator.get("unit_en")
    for grade in definition.get("grades") or []:
        yield grade.get("grade"), grade.get("name_en")
    for section in ("eligibility", "direct_pass"):
        for condition in definition.get(section) or []:
            yield condition.get("reason"), condition.get("reason_en")


@functools.cache
def _known() -> dict[str, str]:
    known = dict(BUILT_IN)
    for path in sorted(REFERENCE_DIR.glob("*.yaml")):
        definition = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(definition, Mapping):
            for chinese, english in _pairs(definition):
                if isinstance(chinese, str) and isinstance(english, str) and english.strip():
                    known.setdefault(chinese, english.strip())
    return known


def known_english(chinese: str) -> str | None:
    """The English of a name as the reference projects give it; None when they do not."""
    return _known().get(chinese)
