"""Validation rules (SPEC §5) as data, and the engine that runs them.

Each rule has an id, a severity, the condition under which it fires (an
expression of app.domain.expressions over dictionary fields, a few derived
values and named thresholds), and a message in Chinese and English whose
``{placeholders}`` are the thresholds. A province changes thresholds and
switches weak rules per activity; strong rules cannot be switched off.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.domain.records import sme
from app.domain.records.fields import REGISTRY
from app.domain.records.uscc import has_valid_check_digit

STRONG, WEAK = "strong", "weak"

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_PERSON = re.compile(r"^[\u4e00-\u9fff·•]{2,20}$|^[A-Za-z][A-Za-z .'\-]{1,49}$")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}$")

# Words in a name or main products that point to a technology field (W16).
TECH_FIELD_KEYWORDS = {
    "电子信息": ("软件", "信息", "电子", "芯片", "集成电路", "通信", "网络", "数据", "计算机",
                 "智能"),
    "生物与新医药": ("生物", "医药", "制药", "药业", "医疗", "基因", "疫苗", "诊断"),
    "航空航天": ("航空", "航天", "卫星", "无人机", "飞行器"),
    "新材料": ("材料", "合金", "涂料", "纤维", "复合", "陶瓷", "高分子"),
    "高技术服务": ("检测", "认证", "设计", "咨询", "技术服务", "研发服务"),
    "新能源与节能": ("新能源", "光伏", "储能", "节能", "锂电", "风电", "氢能", "电池"),
    "资源与环境": ("环保", "环境", "污水", "固废", "节水", "资源", "生态"),
    "先进制造与自动化": ("制造", "装备", "自动化", "机器人", "数控", "机械", "精密", "仪器"),
}


def is_filled(value: Any) -> bool:
    return value not in (None, "", [], ())


@functools.lru_cache(maxsize=64)
def _any_of(words: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(re.escape(w) for w in words))


def contains_any(text: Any, words: Iterable[str]) -> bool:
    return isinstance(text, str) and _any_of(tuple(words)).search(text) is not None


_TECH_FIELD_PATTERNS = {f: _any_of(words) for f, words in TECH_FIELD_KEYWORDS.items()}


def tech_field_mismatch(name: Any, products: Any, tech_field: Any) -> bool:
    """The declared field is 其他, or the words point only to other fields."""
    if tech_field == "其他":
        return True
    text = f"{name or ''} {products or ''}"
    own = _TECH_FIELD_PATTERNS.get(tech_field)
    if own is not None and own.search(text):
        return False
    return any(p.search(text) for f, p in _TECH_FIELD_PATTERNS.items() if f != tech_field)


FUNCTIONS = {
    "is_mobile": lambda v: isinstance(v, str) and bool(_MOBILE.match(v)),
    "is_person_name": lambda v: isinstance(v, str) and bool(_PERSON.match(v)),
    "is_email": lambda v: isinstance(v, str) and bool(_EMAIL.match(v)),
    "is_filled": is_filled,
    "contains_any": contains_any,
    "ends_with": lambda v, suffix: isinstance(v, str) and v.endswith(suffix),
    "starts_with_any": lambda v, prefixes: isinstance(v, str) and v.startswith(tuple(prefixes)),
    "uscc_check_ok": lambda v: isinstance(v, str) and has_valid_check_digit(v),
    "is_sme": sme.is_sme,
    "tech_field_mismatch": tech_field_mismatch,
    "max": max,
    "min": min,
    "abs": abs,
    "count": lambda v: len(v) if isinstance(v, (list, tuple)) else (0 if v is None else 1),
}

# Values the engine works out before the rules run, and the fields they come from.
DERIVED = {
    "data_year_start": (),  # 1 January of the activity's data year
    "sme_size": ("sme_industry", "employees", "revenue", "total_assets"),
    "last_year_revenue": (),  # revenue the enterprise reported for the previous data year
    "similar_figures": (),  # most equal non-zero figures shared with another record
    "revoked_registration": ("uscc",),  # a revoked 入库登记 of the same data year (SPEC §12.3)
}


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    when: str  # fires when this is true
    message_zh: str
    message_en: str
    thresholds: Mapping[str, Any] = field(default_factory=dict)
    # Fields to point at when no input fields can be read from ``when``
    highlight: tuple[str, ...] = ()

    def title(self, lang: str = "zh") -> str:
        """The rule's short title: 技术领域疑似不符 / Technology field looks wrong."""
        return TITLES[self.id][0 if lang == "zh" else 1]

    def label(self, lang: str = "zh") -> str:
        """Id and title, as lists show a rule: "W16 技术领域疑似不符"."""
        return f"{self.id} {self.title(lang)}"


W13_WORDS = ("酒店", "金融", "家庭农场", "房地产", "资产管理", "银行", "财务", "置业", "物业",
             "房屋维修", "民宿服务", "人力资源", "家政服务", "外包服务", "百货", "旅行社")
_BIG_MONEY = "main_revenue, revenue, revenue_prev, net_profit, equity_begin, equity_end"
_COUNTS = "municipal_projects, provincial_projects, municipal_awards, provincial_awards"

RULES: tuple[Rule, ...] = (
    Rule("S1", STRONG, "revenue < main_revenue",
         "营业收入应不低于主营业务收入。",
         "Operating revenue must not be below main business revenue."),
    Rule("S2", STRONG, "net_profit >= revenue * factor",
         "净利润应小于营业收入的 {factor} 倍，请检查单位（万元）。",
         "Net profit must be below {factor} times revenue; check the unit (10,000 yuan).",
         {"factor": 100}),
    Rule("S3", STRONG, "not (employees > 0 and rd_staff <= employees)",
         "从业人员应大于 0，且研发人员不超过从业人员。",
         "Employees must be above 0 and R&D staff must not exceed employees."),
    Rule("S4", STRONG, "not (invention_patents >= 0 and ip_count >= 0 "
                       "and invention_patents <= ip_count)",
         "发明专利数不能超过知识产权总数。",
         "Invention patents must not exceed intellectual property owned."),
    Rule("S5", STRONG, "not (is_mobile(contact_phone) and is_person_name(contact_name) "
                       "and is_email(contact_email))",
         "联系人须填写真实姓名、11 位大陆手机号和有效邮箱。",
         "The contact needs a real name, an 11-digit mainland mobile number and a valid e-mail."),
    Rule("S6", STRONG, "rd_expense + invention_patents + ip_count <= 0",
         "研发费用、发明专利和知识产权不能同时为 0（科创属性门槛）。",
         "R&D expense, invention patents and IP cannot all be 0 (the innovation threshold)."),
    Rule("S7", STRONG, "registration_date >= data_year_start and revenue_prev != 0",
         "数据年度内新注册的企业，上一年度营业收入应为 0。",
         "An enterprise registered during the data year must have 0 revenue for the "
         "previous year."),
    Rule("S8", STRONG, "is_filled(ranking_list_name) != is_filled(ranking_list_rank)",
         "榜单名称和榜单排名须同时填写或同时不填。",
         "Fill in both the ranking list name and the rank, or neither."),
    Rule("S9", STRONG, "revoked_registration",
         "该企业的入库登记已被撤销，本年度不得参加评价；如有疑问请联系省级管理员。",
         "The enterprise's registration was revoked: it may not be evaluated this year; "
         "ask the province administrator if you think this is wrong.", highlight=("uscc",)),
    Rule("W1", WEAK, "rd_expense == 0 or rd_expense >= high",
         "研发费用为 0 或不低于 {high} 万元，请核实。",
         "R&D expense is 0 or at least {high} (10,000 yuan); please check.", {"high": 3000}),
    Rule("W2", WEAK, "revenue <= 0 or revenue_prev <= 0",
         "营业收入（本年或上年）不大于 0，请核实。",
         "Revenue (this or last year) is not above 0; please check."),
    Rule("W3", WEAK, "revenue > 0 and revenue_prev > 0 and (revenue >= revenue_prev * factor "
                     "or revenue_prev >= revenue * factor)",
         "本年与上年营业收入相差 {factor} 倍以上，可能填错单位。",
         "This and last year's revenue differ by {factor} times or more: maybe a unit error.",
         {"factor": 1000}),
    Rule("W4", WEAK, "invention_patents >= high", "发明专利授权量不低于 {high} 件，请核实。",
         "Granted invention patents are {high} or more; please check.", {"high": 50}),
    Rule("W5", WEAK, "ip_count >= high", "知识产权数量不低于 {high} 件，请核实。",
         "Intellectual property owned is {high} or more; please check.", {"high": 200}),
    Rule("W6", WEAK, "tech_contract_in >= high or tech_contract_out >= high",
         "技术合同成交额不低于 {high} 万元，请核实。",
         "Technology contracts of {high} (10,000 yuan) or more; please check.", {"high": 1000}),
    Rule("W7", WEAK, "net_profit > 0 and revenue >= net_profit * factor",
         "营业收入是净利润的 {factor} 倍以上，请核实。",
         "Revenue is {factor} times net profit or more; please check.", {"factor": 100}),
    Rule("W8", WEAK, "equity_begin > 0 and equity_end > 0 and (equity_end >= equity_begin * factor"
                     " or equity_begin >= equity_end * factor)",
         "期初与期末所有者权益相差 {factor} 倍以上，请核实。",
         "Owners' equity at start and end differ by {factor} times or more; please check.",
         {"factor": 1000}),
    Rule("W9", WEAK, f"max({_BIG_MONEY}) >= high",
         "收入、利润或所有者权益中有不低于 {high} 万元的数值，请核实单位。",
         "A revenue, profit or equity figure is {high} (10,000 yuan) or more; check the unit.",
         {"high": 10000}),
    Rule("W10", WEAK, f"max({_COUNTS}) >= high",
         "承担项目或获得奖励的数量不低于 {high} 项，请核实。",
         "Projects or awards number {high} or more; please check.", {"high": 30}),
    Rule("W11", WEAK, "standards >= high", "参与制定标准数量不低于 {high} 项，请核实。",
         "Standards drafted number {high} or more; please check.", {"high": 20}),
    Rule("W12", WEAK, "financing_amount >= high", "融资金额不低于 {high} 万元，请核实。",
         "Financing of {high} (10,000 yuan) or more; please check.", {"high": 10000}),
    Rule("W13", WEAK, "contains_any(name, words)",
         "企业名称显示可能不属于科技型企业的行业，请核实。",
         "The name suggests a business that may not be a technology enterprise; please check.",
         {"words": W13_WORDS}),
    Rule("W14", WEAK, "ends_with(uscc, suffix)", "统一社会信用代码末三位为“{suffix}”，请核实。",
         "The credit code ends in “{suffix}”; please check.", {"suffix": "000"}),
    Rule("W15", WEAK, "sme_size != None and (not is_sme(sme_size) or sme_size != scale)",
         "按中小企业划型标准测算为“{sme_size}”，与填报的企业规模不符或不属于中小企业。",
         "By the SME size standard the enterprise is “{sme_size}”: not an SME, or not the "
         "declared size."),
    Rule("W16", WEAK, "tech_field_mismatch(name, main_products, tech_field)",
         "所属科技创新领域可能不准确（选择了“其他”，或名称与主营产品指向其他领域）。",
         "The technology field may be wrong (“Other” chosen, or the name and products point "
         "elsewhere)."),
    Rule("W17", WEAK, "not uscc_check_ok(uscc)",
         "统一社会信用代码校验位不正确，请核对营业执照。",
         "The credit code's check digit is wrong; compare it with the business licence."),
    Rule("W18", WEAK, "not starts_with_any(uscc, prefixes)",
         "统一社会信用代码显示该主体可能不是企业。",
         "The credit code says the holder may not be an enterprise.", {"prefixes": ("91", "92")}),
    Rule("W19", WEAK, "similar_figures >= min_equal",
         "与本次活动中另一家企业有 {similar_figures} 项非零数据完全相同（数据雷同）。",
         "{similar_figures} non-zero figures equal those of another record in this activity.",
         {"min_equal": 6}, highlight=tuple(REGISTRY.numeric_keys())),
    Rule("W20", WEAK, "last_year_revenue != None and last_year_revenue > 0 and "
                      "abs(revenue_prev - last_year_revenue) > last_year_revenue * tolerance",
         "上年营业收入与去年填报的 {last_year_revenue} 万元相差超过 {tolerance:.0%}。",
         "Last year's revenue differs by more than {tolerance:.0%} from the "
         "{last_year_revenue} reported last year.",
         {"tolerance": 0.2}, highlight=("revenue_prev",)),
)
RULES_BY_ID = {rule.id: rule for rule in RULES}

# Short titles (Chinese, English): what lists and filters show beside the id.
TITLES = {
    "S1": ("营业收入低于主营业务收入", "Revenue below main business revenue"),
    "S2": ("净利润与营业收入不符", "Net profit out of line with revenue"),
    "S3": ("从业人员或研发人员不合理", "Employees or R&D staff implausible"),
    "S4": ("发明专利多于知识产权", "More invention patents than IP"),
    "S5": ("联系人信息无效", "Contact details invalid"),
    "S6": ("未达科创属性门槛", "Below the innovation threshold"),
    "S7": ("新注册企业填了上年收入", "New enterprise with last year's revenue"),
    "S8": ("榜单名称与排名不全", "Ranking list name or rank missing"),
    "S9": ("已撤销入库登记", "Registration revoked"),
    "W1": ("研发费用疑似异常", "R&D expense looks unusual"),
    "W2": ("营业收入不大于 0", "Revenue not above 0"),
    "W3": ("营业收入疑似单位错误", "Revenue unit looks wrong"),
    "W4": ("发明专利数量偏高", "Many invention patents"),
    "W5": ("知识产权数量偏高", "Much intellectual property"),
    "W6": ("技术合同成交额偏高", "Large technology contracts"),
    "W7": ("净利润率疑似过低", "Profit margin looks too low"),
    "W8": ("所有者权益疑似单位错误", "Owners' equity unit looks wrong"),
    "W9": ("金额疑似单位错误", "Amount looks like a unit error"),
    "W10": ("项目或奖励数量偏高", "Many projects or awards"),
    "W11": ("参与制定标准数量偏高", "Many standards drafted"),
    "W12": ("融资金额偏高", "Large financing amount"),
    "W13": ("名称疑似非科技行业", "Name suggests a non-tech business"),
    "W14": ("信用代码末三位为 000", "Credit code ends in 000"),
    "W15": ("企业规模与划型标准不符", "Size differs from the SME standard"),
    "W16": ("技术领域疑似不符", "Technology field looks wrong"),
    "W17": ("信用代码校验位错误", "Credit code check digit wrong"),
    "W18": ("主体疑似不是企业", "Holder may not be an enterprise"),
    "W19": ("数据雷同", "Figures copy another record"),
    "W20": ("与去年填报差异大", "Differs from last year's report"),
}
FORMAT_PREFIX = "F:"  # format findings: "F:<field>"


def rule_title(rule_id: str, lang: str = "zh") -> str:
    """The short title of a rule id, of a format finding (格式：营业收入) or, for an id no
    longer defined, the id itself."""
    if rule_id in TITLES:
        return TITLES[rule_id][0 if lang == "zh" else 1]
    if rule_id.startswith(FORMAT_PREFIX) and rule_id[len(FORMAT_PREFIX):] in REGISTRY:
        label = REGISTRY[rule_id[len(FORMAT_PREFIX):]].label(lang)
        return f"格式：{label}" if lang == "zh" else f"Format: {label}"
    return rule_id


def rule_label(rule_id: str, lang: str = "zh") -> str:
    """A rule as lists show it: "W16 技术领域疑似不符" / "W16 Technology field looks wrong";
    a format finding by its title alone."""
    title = rule_title(rule_id, lang)
    return title if title == rule_id or rule_id.startswith(FORMAT_PREFIX) \
        else f"{rule_id} {title}"
