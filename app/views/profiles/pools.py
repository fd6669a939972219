"""培育库设置 (SPEC §12.4): the province's pools in order, each edited in a form whose criteria
are checked as they are typed (and by a button that works without scripts) and refused at
save with the position of the error, shown next to the field with what was typed kept.
The criterion editor's pieces (check, field help) serve the tag rules too."""

from __future__ import annotations

from flask import abort, flash, g, jsonify, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.domain.pools import MAIN, PARALLEL
from app.domain.profiles import NUMERIC_FIELDS
from app.domain.records.fields import BOOL, ENUM, MULTI_ENUM, REGISTRY
from app.extensions import db
from app.i18n import current_language
from app.models import Pool
from app.services.profiles import ProfileError, criteria
from app.services.profiles.gather import CRITERIA_EXTRAS
from app.views.shell import tags
from app.views.shell.base import AppModelView
from app.views.shell.filters import ListInterface

TRACK_LABELS = {MAIN: _l("Main ladder"), PARALLEL: _l("Parallel track")}
TRACK_COLOURS = {MAIN: "blue", PARALLEL: "purple"}
# What a criterion's message starts with, by field: the service's labels (both languages).
CRITERION_LABELS = {"entry": ("进入条件", "Entry criterion"),
                    "exit": ("退出条件", "Exit criterion"),
                    "expression": ("标签条件", "Tag rule")}


def _label(labels: dict, key) -> str:
    return str(labels.get(key, key))


def in_language(model):
    """A list cell formatter: a pool's or tag's name in the reader's language (the English
    name when there is one; qualifications such as 高新技术企业 are names the platform
    translates)."""
    def shown(name):
        if not name or current_language() == "zh":
            return name
        kept = g.setdefault("_english_names", {})
        if model not in kept:
            kept[model] = dict(db.session.execute(select(model.name, model.name_en)).all())
        return kept[model].get(name) or name
    return shown


# -- the criterion editor ----------------------------------------------------------------
def checked(text: str, field: str) -> tuple[bool, str]:
    """(holds together, what to show under the field): the names it reads, or where it is
    wrong (services.profiles.criteria.check: parse, names, divisions by zero on the latest
    data)."""
    label_zh, label_en = CRITERION_LABELS.get(field, CRITERION_LABELS["entry"])
    try:
        criterion = criteria.check(text, label_zh, label_en)
    except ProfileError as error:
        return False, error.message(current_language())
    read = []
    for name in sorted(criterion.expression.names):
        function, key, span = criterion.series.get(name, (None, name, None))
        read.append(f"{function}({key}, {span})" if function else name)
    return True, _("Correct. It reads: %(names)s.", names=", ".join(read) or "—")


def criterion_help() -> dict:
    """The names a criterion may read, for the help beside the editor: the profile's
    fields (key, label, unit; the stored options of a choice field) and the extra names."""
    lang = current_language()
    fields = []
    for key in (*NUMERIC_FIELDS, *CRITERIA_EXTRAS):
        spec = REGISTRY[key]
        options = []
        if spec.type in (ENUM, MULTI_ENUM):
            options = [(o, spec.option_label(o, lang)) for o in spec.options]
        elif spec.type == BOOL:
            options = [("True", _("Yes")), ("False", _("No"))]
        fields.append({"key": key, "label": spec.label_with_unit(lang), "options": options})
    extras = [
        ("growth(revenue, 3)", _("Compound yearly growth of a numeric field over the given "
                                 "years: growth(revenue, 3) >= 0.3 is 30 percent a year")),
        ("prev(revenue, 1)", _("The value of a numeric field the given years before the "
                               "latest year")),
        ("score_total", _("Total of the latest score")),
        ("score_grade", _("Grade of the latest score")),
        ("years_reported", _("Number of data years with an approved record")),
        ("data_year", _("The data year being evaluated")),
        ("max(a, b) min(a, b) abs(x) count(list)", _("Functions")),
    ]
    return {"fields": fields, "extras": extras}


def field_of_error(error: ProfileError, labels: dict) -> str:
    """The form field a save refusal is about: the one whose label (or one of whose labels)
    starts its message; "form" when none does."""
    for field, label in labels.items():
        if error.message_zh.startswith(label):
            return field
    return "form"


class PoolView(AppModelView):
    datamodel = ListInterface(Pool)
    route_base = "/pools"
    base_permissions = ["can_list", "can_export", "can_edit_pool", "can_check_criterion"]
    list_title = _l("Pool settings")
    list_columns = ["position", "name", "track", "entry_criterion", "exit_criterion",
                    "region_cap", "active"]
    label_columns = {"position": _l("Order"), "name": _l("Name"), "name_en": _l("English name"),
                     "track": _l("Track"), "entry_criterion": _l("Entry criterion"),
                     "exit_criterion": _l("Exit criterion"),
                     "region_cap": _l("Members per city at most"), "active": _l("Active")}
    order_columns = ["position", "name"]
    search_columns = ["name", "track", "active"]
    formatters_columns = {"position": lambda p: (p or 0) + 1, "name": in_language(Pool),
                          "track": lambda t: _label(TRACK_LABELS, t),
                          "region_cap": lambda c: _("No cap") if c is None else c}
    shown_formatters = {"track": tags.labelled_tags(TRACK_LABELS, TRACK_COLOURS)}
    base_order = ("position", "asc")
    row_links = [("PoolView.edit_pool", _l("Edit"), "can_edit_pool", "primary")]

    @expose("/edit/<int:pk>", methods=["GET", "POST"])
    @has_access
    def edit_pool(self, pk):
        pool = db.session.get(Pool, pk)
        if pool is None:
            abort(404)
        values = {"name": pool.name, "name_en": pool.name_en or "",
                  "entry": pool.entry_criterion, "exit": pool.exit_criterion or "",
                  "region_cap": "" if pool.region_cap is None else str(pool.region_cap),
                  "active": pool.active}
        errors, notes = {}, {}
        if request.method == "POST":
            form = request.form
            values = {"name": form.get("name", ""), "name_en": form.get("name_en", ""),
                      "entry": form.get("entry", ""), "exit": form.get("exit", ""),
                      "region_cap": form.get("region_cap", "").strip(),
                      "active": form.get("active") == "y"}
            if form.get("do") == "check":
                for field in ("entry", "exit"):
                    if field == "exit" and not values["exit"].strip():
                        continue
                    ok, message = checked(values[field], field)
                    (notes if ok else errors)[field] = message
            else:
                saved = self._save(pool, values, errors)
                if saved:
                    flash(_("Saved %(name)s. The next evaluation uses these criteria.",
                            name=in_language(Pool)(pool.name)), "success")
                    return redirect(url_for("PoolView.list"))
        return self.render_template("profiles/pools_edit.html", pool=pool, values=values,
                                    errors=errors, notes=notes, help=criterion_help(),
                                    track=_label(TRACK_LABELS, pool.track),
                                    title=_("Edit pool: %(name)s",
                                            name=in_language(Pool)(pool.name)))

    def _save(self, pool: Pool, values: dict, errors: dict) -> bool:
        cap = None
        if values["region_cap"]:
            try:
                cap = int(values["region_cap"])
            except ValueError:
                errors["region_cap"] = _("Enter a whole number, or leave it empty for no cap.")
                return False
        # The service's refusals start with these (app/services/profiles/criteria.py).
        labels = {"entry": f"{pool.name}进入条件", "exit": f"{pool.name}退出条件",
                  "region_cap": "地区名额"}
        try:
            criteria.save_pool(pool, entry=values["entry"], exit_=values["exit"],
                               region_cap=cap, name=values["name"].strip() or None,
                               name_en=values["name_en"], active=values["active"])
        except ProfileError as error:
            db.session.rollback()
            errors[field_of_error(error, labels)] = error.message(current_language())
            return False
        except IntegrityError:  # another pool has the name (unique)
            db.session.rollback()
            errors["name"] = _("Another pool has this name: choose another.")
            return False
        return True

    @expose("/check", methods=["POST"])
    @has_access
    def check_criterion(self):
        """Checks a criterion as it is typed, without saving."""
        ok, message = checked(request.form.get("criterion", ""),
                              request.form.get("field", "entry"))
        return jsonify(ok=ok, message=message)
