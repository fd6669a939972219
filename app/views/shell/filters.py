"""List filters the dashboard's links need beyond FAB's own.

``warning_rules`` holds rule ids separated by spaces ("W1 W10"), so "contains W1" would also
find W10: "has rule" matches a whole id. Multi-choice fields are JSON lists, which FAB's
string filters cannot search on PostgreSQL (no LIKE on json): "includes" matches one option
as a quoted JSON string, the way the dashboard counts them.
"""

from __future__ import annotations

import json

from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import SQLAFilterConverter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from sqlalchemy import Text, cast, literal, or_, select
from sqlalchemy.orm import selectinload

from app.domain.records import fields as F


class FilterHasWord(BaseFilter):
    name = _l("Has rule")
    arg_name = "hw"

    def apply(self, query, value):
        column = getattr(self.model, self.column_name)
        padded = literal(" ") + column + literal(" ")
        return query.filter(padded.contains(f" {value.strip()} ", autoescape=True))


def json_list_includes(column, option: str):
    """A JSON list column holds ``option``; the text may be stored with or without \\u
    escapes depending on the writer."""
    text = cast(column, Text)
    return or_(text.contains(json.dumps(option), autoescape=True),
               text.contains(json.dumps(option, ensure_ascii=False), autoescape=True))


class FilterListIncludes(BaseFilter):
    name = _l("Includes")
    arg_name = "li"

    def apply(self, query, value):
        return query.filter(json_list_includes(getattr(self.model, self.column_name), value))


MULTI_CHOICE = frozenset(f.key for f in F.REGISTRY if f.type == F.MULTI_ENUM)
HAS_RULE_INDEX = 9  # URL filters take one digit: "has rule" replaces "not in" (index 9)


class KeptFilterConverter(SQLAFilterConverter):
    """FAB builds every column's filters anew each time it makes a ``Filters`` — three times
    per list request, over every column of the model (170 for a submission). They depend
    only on the interface and the column and hold no request state: keep them. Subclasses
    change ``conversions``."""

    _kept: dict[tuple[int, str], list] = {}

    def convert(self, col_name):
        key = (id(self.datamodel), type(self).__qualname__, col_name)
        kept = self._kept.get(key)
        if kept is None:
            kept = self._kept[key] = self.conversions(col_name) or []
        return list(kept)  # FAB extends the lists it gets

    def conversions(self, col_name):
        return super().convert(col_name)


class ListInterface(SQLAInterface):
    """FAB's interface, loading the many-to-one relations a list shows (its region, its
    activity, ...) with the page, one query per relation, instead of one per row.
    ``AppModelView`` names them from its ``list_columns``."""

    filter_converter_class = KeptFilterConverter
    shown_relations: tuple[str, ...] = ()

    def apply_all(self, query, *args, **kwargs):
        query = super().apply_all(query, *args, **kwargs)
        if self.shown_relations:
            query = query.options(*(selectinload(getattr(self.obj, name))
                                    for name in self.shown_relations))
        return query


class FilterRecommendedInActivity(BaseFilter):
    """Records of enterprises on an activity's published recommendation lists (or, with
    ``granted``, granted a loan there): the dashboard's "enterprises recommended (each
    once)" — one record per enterprise, however many lists and banks it is on."""

    name = _l("Recommended to banks in activity")
    arg_name = "rba"
    granted = False

    def apply(self, query, value):
        from app.models import RecommendationEntry, RecommendationList
        from app.models.financing import GRANTED, PUBLISHED

        try:
            activity_id = int(value)
        except (TypeError, ValueError):
            return query.filter(literal(False))
        entries = select(RecommendationEntry.submission_id).join(RecommendationList).where(
            RecommendationList.activity_id == activity_id, RecommendationList.status == PUBLISHED)
        if self.granted:
            entries = entries.where(RecommendationEntry.status == GRANTED)
        return query.filter(self.model.id.in_(entries))


class FilterGrantedInActivity(FilterRecommendedInActivity):
    name = _l("Granted a loan in activity")
    arg_name = "gba"
    granted = True


# After FAB's "equal" and "not equal" for the activity relation.
RECOMMENDED_INDEX, GRANTED_INDEX = 2, 3


class SubmissionFilterConverter(KeptFilterConverter):
    def conversions(self, col_name):
        if col_name == "activity":
            filters = super().conversions(col_name)
            return [*filters[:RECOMMENDED_INDEX],
                    FilterRecommendedInActivity(col_name, self.datamodel),
                    FilterGrantedInActivity(col_name, self.datamodel)]
        if col_name == "warning_rules":
            filters = super().conversions(col_name)
            return [*filters[:HAS_RULE_INDEX], FilterHasWord(col_name, self.datamodel)]
        if col_name in MULTI_CHOICE:
            return [FilterListIncludes(col_name, self.datamodel)]
        return super().conversions(col_name)


class SubmissionInterface(ListInterface):
    filter_converter_class = SubmissionFilterConverter


class FilterPublishedOfActivity(BaseFilter):
    """Entries of an activity's published recommendation lists — what the dashboard counts."""

    name = _l("Published lists of activity")
    arg_name = "pa"

    def apply(self, query, value):
        from app.models import RecommendationList
        from app.models.financing import PUBLISHED

        try:
            activity_id = int(value)
        except (TypeError, ValueError):
            return query.filter(literal(False))
        lists = select(RecommendationList.id).where(
            RecommendationList.activity_id == activity_id, RecommendationList.status == PUBLISHED)
        return query.filter(self.model.list_id.in_(lists))


PUBLISHED_OF_ACTIVITY_INDEX = 2  # after FAB's "equal" and "not equal" for a relation


class EntryFilterConverter(KeptFilterConverter):
    def conversions(self, col_name):
        filters = super().conversions(col_name)
        if col_name == "recommendation_list":
            return [*filters[:PUBLISHED_OF_ACTIVITY_INDEX],
                    FilterPublishedOfActivity(col_name, self.datamodel)]
        return filters


class EntryInterface(ListInterface):
    filter_converter_class = EntryFilterConverter
