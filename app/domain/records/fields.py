"""The enterprise data dictionary (fields.csv) as the one field registry.

Labels, forms, list columns, the Excel template, validation and exports all
read field definitions from here. Adding a field is a line in
``app/data/fields.csv`` plus a migration for its column.

Options are stored as the national dictionary spells them (大型, 电子信息); their English
labels are in ``app/data/options_en.csv`` (field,value,label_en) and are only shown:
``Field.option_label(value, lang)``.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
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

# Units of fields.csv in English (labels only: amounts stay in 万元).
UNITS_EN = {"万元": "10k yuan", "元": "yuan", "人": "persons", "件": "items", "项": "items",
            "个": "items", "%": "%"}

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
    # English labels of the options (stored value -> label); shown, never stored.
    options_en: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

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

    def option_label(self, value, lang: str = "zh"):
        """An option as the user reads it: the stored value in Chinese, its English label in
        English (the value itself when it has none, e.g. an old value no longer listed).
        A list of options (multi-choice) gives a list."""
        if isinstance(value, (list, tuple)):
            return [self.option_label(v, lang) for v in value]
        if lang == "zh" or value is None:
            return value
        return self.options_en.get(value, value)

    def unit_label(self, lang: str = "zh") -> str:
        """The unit as the user reads it: 万元 / 10k yuan."""
        return self.unit if lang == "zh" else UNITS_EN.get(self.unit, self.unit)

    def label_with_unit(self, lang: str = "zh") -> str:
        """The label as a page shows it, with the unit in the same language:
        研发费用（数据年度）（万元）, "R&D expense (data year) (10k yuan)"."""
        if not self.unit:
            return self.label(lang)
        return f"{self.label_zh}（{self.unit}）" if lang == "zh" else \
            f"{self.label_en} ({self.unit_label(lang)})"

    def header(self, lang: str = "zh", required: bool | None = None) -> str:
        """Column header of templates and reports: ``*研发费用（数据年度）（万元）``; the unit
        stays as the dictionary writes it (the amounts are in 万元), as workbooks have it."""
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

    def option_label(self, key: str, value, lang: str = "zh"):
        """``value`` of field ``key`` as the user reads it (see ``Field.option_label``);
        values of fields without options are returned as they are."""
        found = self.by_key.get(key)
        return found.option_label(value, lang) if found is not None else value

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
                         f.header("en", False), f.label_with_unit("en")):
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


def load_registry(path: Path, options_en: Path | None = None) -> FieldRegistry:
    """The fields of ``path`` (fields.csv) with the English option labels of
    ``options_en`` (by default options_en.csv beside it, when there is one)."""
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    english = load_option_labels(options_en or path.with_name("options_en.csv"))
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
            options_en=english.get(row["key"], {}),
        )
        for row in rows
    )


def load_option_labels(path: Path) -> dict[str, dict[str, str]]:
    """field -> {stored value -> English label} from a field,value,label_en file."""
    if not path.exists():
        return {}
    labels: dict[str, dict[str, str]] = {}
    with open(path, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["label_en"].strip():
                labels.setdefault(row["field"], {})[row["value"]] = row["label_en"].strip()
    return labels


def option_set(chosen) -> str | None:
    """A multi-option value as one plain text ("科技型中小企业|高新技术企业"), the same
    whatever the order and repetitions: what a B-tree index can hold and group by, where
    the JSON list cannot be (the dashboard counts qualifications from it)."""
    if not chosen:
        return None
    return "|".join(sorted(set(chosen)))


FIELDS_CSV = Path(__file__).resolve().parents[2] / "data" / "fields.csv"
REGISTRY = load_registry(FIELDS_CSV)
