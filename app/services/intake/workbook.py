"""The activity's Excel template and the failure report built in the same shape.

Both come from the field registry and the activity's settings, so a failure
report, corrected, uploads again as it is.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import xlsxwriter
from sqlalchemy import select

from app.domain.records import fields as F
from app.domain.records.details import TABLES
from app.domain.records.fields import REGISTRY
from app.domain.records.rules import RULES, STRONG
from app.domain.records.validation import compile_rules
from app.extensions import db
from app.models import Bank, Region, ReportingActivity
from app.services.intake import detail_sheets

TEMPLATE_VERSION = "1"
DATA_ROWS = 100_000  # rows that carry drop-downs and formats
SHEETS = {
    "zh": {"data": "填报数据", "help": "填写说明", "rules": "校验规则", "lists": "选项"},
    "en": {"data": "Data", "help": "Instructions", "rules": "Rules", "lists": "Options"},
}
REASON_HEADER = {"zh": "不通过原因", "en": "Reasons"}

INSTRUCTIONS = {
    "zh": [
        "一、每行填写一家企业，第一行为表头，请勿修改、删除表头；列的顺序可以调整，多余的列会被忽略。",
        "二、带 * 的列为必填项。",
        "三、金额单位均为万元，请只填数字（如 1200.5），不要填写“万元”“,”等文字。",
        "四、日期按 YYYY-MM-DD 填写（如 2021-03-15），也可以使用 Excel 日期格式。",
        "五、所属地区填写 6 位区县代码或完整名称（如 210202 或 大连市中山区），可从下拉列表选择。",
        "六、是/否类字段填写“是”或“否”；有下拉列表的列请从列表中选择。",
        "七、多个选项或多家意向银行用“；”分隔，银行按意向顺序填写，最多 3 家。",
        "八、统一社会信用代码为 18 位数字和大写字母，请与营业执照一致。",
        "九、常见错误：数字中带单位或文字、日期写成 2025/13/01、研发人员多于从业人员、"
        "营业收入小于主营业务收入、同一企业在文件中出现两次。",
        "十、上传后，未通过的企业可下载“不通过企业”文件，按“不通过原因”修改后直接重新上传。",
    ],
    "en": [
        "1. One enterprise per row. Keep the header row; columns may be reordered and extra "
        "columns are ignored.",
        "2. Columns marked * are required.",
        "3. Money is in 万元 (10,000 yuan): digits only (e.g. 1200.5), no units or words.",
        "4. Dates as YYYY-MM-DD (e.g. 2021-03-15) or an Excel date.",
        "5. Region: the 6-digit county code or its full name (e.g. 210202 or 大连市中山区); pick "
        "from the list.",
        "6. Yes/no columns take 是 or 否; pick from the drop-down where there is one.",
        "7. Several options or banks are separated by ；, banks in order of preference, at most 3.",
        "8. The credit code has 18 digits and capital letters, as on the business licence.",
        "9. Common mistakes: units or words in numbers, dates like 2025/13/01, more R&D staff "
        "than employees, revenue below main revenue, the same enterprise twice in a file.",
        "10. After uploading, download the failed rows, correct them as the reasons say and "
        "upload that file again as it is.",
    ],
}


def shown_fields(activity: ReportingActivity) -> list[tuple[F.Field, bool]]:
    hidden = activity.hidden_fields()
    required = activity.extra_required()
    return [(f, f.required or f.key in required) for f in REGISTRY if f.key not in hidden]


def _formats(workbook):
    return {
        "header": workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1,
                                       "text_wrap": True, "valign": "vcenter"}),
        "required": workbook.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1,
                                         "text_wrap": True, "valign": "vcenter"}),
        "text": workbook.add_format({"num_format": "@"}),
        "decimal": workbook.add_format({"num_format": "0.00"}),
        "int": workbook.add_format({"num_format": "0"}),
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "bad": workbook.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"}),
        "wrap": workbook.add_format({"text_wrap": True, "valign": "top"}),
    }


def _column_format(field: F.Field, formats) -> Any:
    if field.type == F.DECIMAL:
        return formats["decimal"]
    if field.type == F.INT:
        return formats["int"]
    if field.type == F.DATE:
        return formats["date"]
    return formats["text"]


def _write_data_sheet(workbook, activity, lang, formats, rows=()):
    names = SHEETS[lang]
    sheet = workbook.add_worksheet(names["data"])
    columns = shown_fields(activity)
    # The detail sheets (SPEC §12.1) follow the main sheet; without them the sheets and
    # their order are what they were before detail tables existed.
    details = detail_sheets.add_template_sheets(workbook, activity.asked_tables(), lang)
    lists = workbook.add_worksheet(names["lists"])
    counties = [name for (name,) in db.session.execute(
        select(Region.full_name).where(Region.level == "county",
                                       Region.code.like(f"{activity.province_code}%"))
        .order_by(Region.code))]
    banks = [name for (name,) in db.session.execute(select(Bank.name).order_by(Bank.id))]
    for i, name in enumerate(counties):
        lists.write_string(i, 0, name)
    for i, name in enumerate(banks):
        lists.write_string(i, 1, name)
    lists.hide()
    last_row = DATA_ROWS
    for col, (field, required) in enumerate(columns):
        header = field.header(lang, required)
        sheet.write_string(0, col, header, formats["required" if required else "header"])
        sheet.set_column(col, col, max(12, min(30, len(header) * 2)),
                         _column_format(field, formats))
        options = None
        if field.type in (F.ENUM,):
            options = {"validate": "list", "source": list(field.options)}
        elif field.type == F.BOOL:
            options = {"validate": "list", "source": ["是", "否"]}
        elif field.type == F.REGION and counties:
            options = {"validate": "list",
                       "source": f"='{names['lists']}'!$A$1:$A${len(counties)}"}
        if options:
            options.update(error_type="warning", error_title=header[:32],
                           error_message=("请从下拉列表中选择。" if lang == "zh"
                                          else "Choose from the list.")[:255])
            sheet.data_validation(1, col, last_row, col, options)
        elif field.type in (F.MULTI_ENUM, F.BANK_LIST):
            hint = "；".join(field.options) if field.options else "；".join(banks[:6]) + "…"
            sheet.data_validation(1, col, last_row, col, {
                "validate": "any", "input_title": header[:32],
                "input_message": (("多个用“；”分隔：" if lang == "zh" else "Separate with ；: ")
                                  + hint)[:255]})
    sheet.freeze_panes(1, 1)
    sheet.set_row(0, 36)
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            _write_value(sheet, r, col, value, None)
    detail_sheets.fill_template_sheets(details, activity.data_year, lang, formats, last_row)
    return sheet, columns


def _write_value(sheet, row, col, value, cell_format):
    if value is None or value == "":
        if cell_format is not None:
            sheet.write_blank(row, col, None, cell_format)
        return
    if isinstance(value, bool):
        sheet.write_string(row, col, "是" if value else "否", cell_format)
    elif isinstance(value, (int, float)):
        sheet.write_number(row, col, value, cell_format)
    else:
        sheet.write_string(row, col, str(value), cell_format)


def _write_help_sheets(workbook, activity, lang, formats):
    names = SHEETS[lang]
    help_sheet = workbook.add_worksheet(names["help"])
    help_sheet.set_column(0, 0, 120, formats["wrap"])
    help_sheet.write_string(0, 0, activity.name, formats["header"])
    lines = INSTRUCTIONS[lang]
    if activity.asked_tables():
        lines = [*lines, *detail_sheets.instructions(activity.asked_tables(), names["data"],
                                                     lang)]
    for i, line in enumerate(lines, start=2):
        help_sheet.write_string(i, 0, line)
    rules_sheet = workbook.add_worksheet(names["rules"])
    heads = (["规则", "类型", "说明"] if lang == "zh" else ["Rule", "Kind", "Meaning"])
    for col, head in enumerate(heads):
        rules_sheet.write_string(0, col, head, formats["header"])
    rules_sheet.set_column(0, 1, 10)
    rules_sheet.set_column(2, 2, 100, formats["wrap"])
    active = {c.rule.id: c for c in compile_rules(activity.rule_settings)}
    row = 1
    for rule in RULES:
        compiled = active.get(rule.id)
        if compiled is None:
            continue  # switched off for this activity
        params = {**compiled.thresholds, "sme_size": "…", "similar_figures": "…",
                  "last_year_revenue": "…"}
        text = (rule.message_zh if lang == "zh" else rule.message_en)
        try:
            text = text.format(**params)
        except (ValueError, KeyError):
            pass
        strong = rule.severity == STRONG
        if lang == "zh":
            kind = "强规则（不通过）" if strong else "弱规则（提醒）"
        else:
            kind = "strong (fails)" if strong else "weak (warns)"
        rules_sheet.write_string(row, 0, rule.id)
        rules_sheet.write_string(row, 1, kind)
        rules_sheet.write_string(row, 2, text)
        row += 1
    meta = workbook.add_worksheet("_meta")
    meta.write_string(0, 0, "template_version")
    meta.write_string(0, 1, TEMPLATE_VERSION)
    meta.write_string(1, 0, "activity_id")
    meta.write_number(1, 1, activity.id)
    meta.write_string(2, 0, "generated_at")
    meta.write_string(2, 1, dt.datetime.now().isoformat(timespec="seconds"))
    meta.hide()


def build_template(activity: ReportingActivity, path: str, lang: str = "zh") -> None:
    workbook = xlsxwriter.Workbook(path, {"strings_to_formulas": False,
                                          "strings_to_urls": False})
    formats = _formats(workbook)
    _write_data_sheet(workbook, activity, lang, formats)
    _write_help_sheets(workbook, activity, lang, formats)
    workbook.close()


def build_failure_report(activity: ReportingActivity, batch, path: str, lang: str = "zh") -> int:
    """The failed rows with their original values, reasons, and the failing cells marked."""
    workbook = xlsxwriter.Workbook(path, {"strings_to_formulas": False,
                                          "strings_to_urls": False})
    formats = _formats(workbook)
    headers = list(batch.headers or [])
    names = SHEETS[lang]
    sheet = workbook.add_worksheet(names["data"])
    columns_by_field = {REGISTRY.match_header(h): i for i, h in enumerate(headers)}
    for col, header in enumerate(headers):
        sheet.write_string(0, col, str(header or ""), formats["header"])
        sheet.set_column(col, col, max(12, min(30, len(str(header or "")) * 2)))
    reason_col = len(headers)
    sheet.write_string(0, reason_col, REASON_HEADER[lang], formats["required"])
    sheet.set_column(reason_col, reason_col, 60, formats["wrap"])
    sheet.freeze_panes(1, 1)
    # Rows of detail sheets matching no record are failures of their sheet only.
    failures = [f for f in batch.failures or [] if not f.get("unmatched")]
    for r, failure in enumerate(failures, start=1):
        bad_cells: dict[int, list[str]] = {}
        reasons = []
        for error in failure["errors"]:
            message = error["zh"] if lang == "zh" else error["en"]
            reasons.append(message)
            for key in error["fields"]:
                col = columns_by_field.get(key)
                if col is not None:
                    bad_cells.setdefault(col, []).append(message)
        for col, value in enumerate(failure["values"]):
            _write_value(sheet, r, col, value, formats["bad"] if col in bad_cells else None)
            if col in bad_cells:
                sheet.write_comment(r, col, "\n".join(bad_cells[col])[:1000],
                                    {"x_scale": 2, "y_scale": 1.5})
        sheet.write_string(r, reason_col, "；".join(reasons)[:32000])
    present = {k for f in batch.failures or [] for k in f.get("details") or {}}
    tables = [k for k in TABLES if k in present or k in activity.asked_tables()]
    detail_sheets.write_failure_sheets(workbook, tables, batch.failures or [], lang, formats,
                                       _write_value, REASON_HEADER[lang])
    _write_help_sheets(workbook, activity, lang, formats)
    workbook.close()
    return len(failures)


def write_filled(activity: ReportingActivity, path: str, records: list[dict],
                 lang: str = "zh", details: dict[str, list[dict]] | None = None) -> None:
    """A workbook with the template's headers and the given records, as a bureau fills it;
    ``details`` the rows of detail sheets ({"ip": [{"uscc": …, "ip_type": …}]}), a sheet
    for each table it names."""
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True,
                                          "strings_to_formulas": False,
                                          "strings_to_urls": False})
    sheet = workbook.add_worksheet(SHEETS[lang]["data"])
    columns = shown_fields(activity)
    for col, (field, required) in enumerate(columns):
        sheet.write_string(0, col, field.header(lang, required))
    for r, record in enumerate(records, start=1):
        for col, (field, _required) in enumerate(columns):
            value = record.get(field.key)
            if isinstance(value, (list, tuple)):
                value = "；".join(value)
            _write_value(sheet, r, col, value, None)
    if details:
        detail_sheets.write_filled_sheets(workbook, list(details), details, lang, _write_value)
    workbook.close()
