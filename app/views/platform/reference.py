"""Reference data: administrative divisions and the bank directory."""


from flask_babel import lazy_gettext as _l
from wtforms import BooleanField

from app.models import Bank, Region
from app.views.shell.base import AppModelView
from app.views.shell.filters import ListInterface


class RegionView(AppModelView):
    datamodel = ListInterface(Region)
    base_permissions = ["can_list", "can_show", "can_export"]
    list_title = _l("Administrative divisions")
    show_title = _l("Administrative division")
    # Names in the reader's language (Region.label / full_label: pinyin in English).
    list_columns = ["code", "label", "level", "full_label"]
    show_columns = ["code", "label", "level", "parent", "full_label"]
    search_columns = ["code", "name", "level", "full_name"]
    label_columns = {
        "code": _l("Code"),
        "name": _l("Name"),
        "label": _l("Name"),
        "level": _l("Level"),
        "parent": _l("Parent region"),
        "full_name": _l("Full name"),
        "full_label": _l("Full name"),
    }
    formatters_columns = {"level": lambda level: str(LEVEL_LABELS.get(level, level))}
    quick_filters = ("name", "level")
    quick_choices = {"level": lambda: [(k, str(v)) for k, v in LEVEL_LABELS.items()]}
    base_order = ("code", "asc")


LEVEL_LABELS = {"province": _l("Province"), "city": _l("City"), "county": _l("County")}


class BankView(AppModelView):
    datamodel = ListInterface(Bank)
    list_title = _l("Financial institutions")
    show_title = _l("Financial institution")
    add_title = _l("Add a financial institution")
    edit_title = _l("Edit financial institution")
    list_columns = ["name", "is_national", "is_default", "province_code"]
    add_columns = edit_columns = ["name", "is_default"]
    show_columns = ["name", "is_national", "is_default", "province_code", "created_on",
                    "changed_on"]
    search_columns = ["name", "is_national", "is_default"]
    # A generated field for a non-null boolean would demand a tick; unticked means "no".
    add_form_extra_fields = edit_form_extra_fields = {
        "is_default": BooleanField(_l("Default bank for recommendations"))}
    description_columns = {"is_default": _l(
        "Recommended enterprises that named no intended bank go to the default banks.")}
    label_columns = {
        "name": _l("Name"),
        "is_default": _l("Default bank for recommendations"),
        "is_national": _l("National re-lending institution"),
        "province_code": _l("Added by province"),
        "created_on": _l("Created on"),
        "changed_on": _l("Changed on"),
    }
    base_order = ("id", "asc")

    def pre_add(self, item):
        # A bank added here is a local bank of the deployment's province.
        from flask import current_app

        item.is_national = False
        item.province_code = current_app.config["PROVINCE_CODE"]
