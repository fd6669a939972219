"""Column-wise normalization of a sheet (the batch upload's path) gives exactly what
normalizing each row on its own gives: values, findings in order, notes, unusable fields."""

import datetime as dt
import math
import random

from app.domain.records import synthetic
from app.domain.records.fields import REGISTRY
from app.domain.records.validation import Validator
from tests.domain.test_rules import LOOKUPS

# Cells as spreadsheets and API clients hand them over, good and bad, for every type.
ODD_CELLS = [None, "", "   ", " x ", "是", "否", "y", "maybe", 0.0, -0.0, 1.0, 2.5, -3.0,
             12.0, 1e300, math.inf, -math.inf, math.nan, 7, -7, True, False, "12", "1,200",
             "１２００", " 12 ", "abc", "2021-03-15", "2021/3/15", "2021-02-30", 44000.0,
             dt.date(2021, 3, 15), dt.datetime(2021, 3, 15, 8, 0), "210202", "大连市中山区",
             "110101", "91210200MA0Q000000", " 91210200ma0q000000 ", "13800138000",
             "+86 138-0013-8000", "a@b.cn", " a@b.cn", "ａ@b.cn", "工商银行；中国银行",
             "工商银行；中国银行；建设银行；农业银行", "其他", "电子信息", "x" * 300,
             ["工商银行"], 13800138000.0]


def _sheet(seed=5, rows=400):
    rng = random.Random(seed)
    keys = list(REGISTRY.keys())
    sheet = []
    for i in range(rows):
        record = synthetic.record(rng, "210202", 900000 + i, 2025,
                                  synthetic.FLAWS[i % len(synthetic.FLAWS)])
        row = []
        for key in keys:
            value = record.get(key)
            if isinstance(value, (list, tuple)):
                value = "；".join(value)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                value = float(value)  # as calamine reads numbers
            if rng.random() < 0.15:
                value = rng.choice(ODD_CELLS)
            row.append(value)
        if i % 7 == 0:
            row = row[:rng.randrange(len(row))]  # a ragged, short row
        sheet.append(row)
    return keys, sheet


def test_normalize_rows_equals_normalize_per_row():
    keys, sheet = _sheet()
    validator = Validator(2025, LOOKUPS, required=["rd_staff"])
    columns = {i: key for i, key in enumerate(keys)}
    columns.pop(3)  # a column the file lacks
    together = validator.normalize_rows(sheet, columns)
    one_by_one = [validator.normalize({key: (row[i] if i < len(row) else None)
                                       for i, key in columns.items()}) for row in sheet]
    assert len(together) == len(one_by_one)
    for mine, theirs in zip(together, one_by_one, strict=True):
        values, findings, notes, unusable = mine
        assert list(values) == list(theirs[0])  # same keys in the same order
        for key in values:
            a, b = values[key], theirs[0][key]
            assert type(a) is type(b) and (a == b or (a != a and b != b)), (key, a, b)
        assert findings == theirs[1]
        assert notes == theirs[2]
        assert unusable == theirs[3]


def test_normalize_rows_with_hidden_fields_and_no_rows():
    keys, sheet = _sheet(seed=6, rows=60)
    shown = [k for k in keys if k not in ("revenue", "contact_email")]
    validator = Validator(2025, LOOKUPS, shown=shown)
    columns = dict(enumerate(keys))
    assert validator.normalize_rows([], columns) == []
    together = validator.normalize_rows(sheet, columns)
    for row, mine in zip(sheet, together, strict=True):
        raw = {key: (row[i] if i < len(row) else None) for i, key in columns.items()}
        assert mine == validator.normalize(raw)
