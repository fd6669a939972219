"""The enterprise data dictionary (fields.csv) as the one field registry.

Labels, forms, list columns, the Excel template, validation and exports all
read field definitions from here. Adding a field is a line in
``app/data/fields.csv`` plus a migration for its column.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

TEXT, USCC, DATE, DECIMAL, INT = "text", "uscc", "date", "decimal", "int"
PERSON_NAME, REGION, ENUM, BOOL, MULTI_ENUM = "person_name", "region", "enum", "bool", "multi_enum"
MOBILE, EMAIL, BANK_LIST = "mobile", "email", "bank_list"
NUMERIC_TYPES = frozenset({DECIMAL, INT})
STRING_TYPES = frozenset({TEXT, USCC, PERSON_NAME, MOBILE, EMAIL, ENUM, REGION})
DEFAULT_MAX_LENGTH = 200

# (key, Chinese, English) in the order the form shows them.
DIMENSIONS = (
    ("basic", "基本信息", "Basic information"),
    ("product", "产品与技术", "Products and technology"),
    ("input", "创新投入", "Innovation input"),
    ("output", "创新产出", "Innovation output"),
    ("development", "创新发展", "Innovation development"),
    ("impact", "创新影响", "Innovation impact"),
    ("finance", "科技金融", "Technology finance"),
)

_MAX_CHARS = re.compile(r"max (\d+) characters")
_REQUIRED_WHEN = re.compile(r"required when (\w+)")


@dataclass(frozen=True)
class Field:
    key: str
    dimension: str
    label_zh: str
    label_en: str
    type: str
    unit: str
    required: bool
    options: tuple[str, ...]
    notes: str

    @property
    def is_numeric(self) -> bool:
        return self.type in NUMERIC_TYPES

    @functools.cached_property
    def may_be_negative(self) -> bool:
        return "may be negative" in self.notes

    @functools.cached_property
    def option_lookup(self) -> dict[str, str]:
        """Each option under its own spelling and its half-width (NFKC) spelling."""
        lookup = {option: option for option in self.options}
        lookup.update({unicodedata.normalize("NFKC", o): o for o in self.options})
        return lookup

    @functools.cached_property
    def required_when(self) -> str | None:
        """The boolean field that makes this one required ("required when needs_financing")."""
        match = _REQUIRED_WHEN.search(self.notes)
        return match.group(1) if match else None

    @functools.cached_property
    def max_length(self) -> int:
        match = _MAX_CHARS.search(self.notes)
        return int(match.group(1)) if match else DEFAULT_MAX_LENGTH

    def label(self, lang: str = "zh") -> str:
        return self.label_zh if lang == "zh" else self.label_en

    def header(self, lang: str = "zh", required: bool | None = None) -> str:
        """Column header of templates and reports: ``*研发费用（数据年度）（万元）``."""
        text = self.label(lang)
        if self.unit:
            text += f"（{self.unit}）" if lang == "zh" else f" ({self.unit})"
        star = self.required if required is None else required
        return ("*" if star else "") + text


class FieldRegistry:
    def __init__(self, fields: Iterable[Field]):
        self.fields: tuple[Field, ...] = tuple(fields)
        self.by_key: dict[str, Field] = {f.key: f for f in self.fields}
        if len(self.by_key) != len(self.fields):
            raise ValueError("duplicate field keys in the data dictionary")

    def __iter__(self):
        return iter(self.fields)

    def __getitem__(self, key: str) -> Field:
        return self.by_key[key]

    def __contains__(self, key: str) -> bool:
        return key in self.by_key

    def keys(self) -> list[str]:
        return [f.key for f in self.fields]

    def in_dimension(self, dimension: str) -> list[Field]:
        return [f for f in self.fields if f.dimension == dimension]

    def numeric_keys(self) -> list[str]:
        return list(self._numeric)

    @functools.cached_property
    def _numeric(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields if f.is_numeric)

    @functools.cached_property
    def _headers(self) -> dict[str, str]:
        names: dict[str, str] = {}
        for f in self.fields:
            for text in (f.key, f.label_zh, f.label_en, f.header("zh", False),
                         f.header("en", False)):
                names[_header_key(text)] = f.key
        return names

    def match_header(self, text) -> str | None:
        """The field a spreadsheet column header names: its key, Chinese or English label,
        with or without the unit and the required star; None when it names none."""
        if text is None:
            return None
        return self._headers.get(_header_key(str(text)))


def _header_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip().lstrip("*").strip().lower()
    return re.sub(r"\s+", "", text)


def load_registry(path: Path) -> FieldRegistry:
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return FieldRegistry(
        Field(
            key=row["key"],
            dimension=row["dimension"],
            label_zh=row["label_zh"],
            label_en=row["label_en"],
            type=row["type"],
            unit=row["unit"],
            required=row["required"] == "yes",
            options=tuple(o for o in row["options"].split("|") if o),
            notes=row["notes"],
        )
        for row in rows
    )


def option_set(chosen) -> str | None:
    """A multi-option value as one plain text ("科技型中小企业|高新技术企业"), the same
    whatever the order and repetitions: what a B-tree index can hold and group by, where
    the JSON list cannot be (the dashboard counts qualifications from it)."""
    if not chosen:
        return None
    return "|".join(sorted(set(chosen)))


FIELDS_CSV = Path(__file__).resolve().parents[2] / "data" / "fields.csv"
REGISTRY = load_registry(FIELDS_CSV)
