"""What kind of entity a 统一社会信用代码 names (GB 32100-2015, 附录 A): the first character is
the registering authority (9 = 工商, now 市场监管; 5 = 民政 …), the second the entity category
under it (91 = 企业, 92 = 个体工商户, 52 = 民办非企业单位). A profile shows it beside the code:
an innovation-points list meant for enterprises may still hold a 个体工商户 or a 事业单位."""

from __future__ import annotations

from dataclasses import dataclass

# First character -> (authority, in English)
AUTHORITIES: dict[str, tuple[str, str]] = {
    "1": ("机构编制", "Institutional staffing"),
    "2": ("外交", "Foreign affairs"),
    "3": ("司法行政", "Justice administration"),
    "4": ("文化", "Culture"),
    "5": ("民政", "Civil affairs"),
    "6": ("旅游", "Tourism"),
    "7": ("宗教", "Religious affairs"),
    "8": ("工会", "Trade unions"),
    "9": ("工商", "Market regulation (industry and commerce)"),
    "A": ("中央军委改革和编制办公室", "Central Military Commission staffing office"),
    "N": ("农业", "Agriculture"),
    "Y": ("其他", "Other"),
}

# First two characters -> (entity category, in English)
KINDS: dict[str, tuple[str, str]] = {
    "11": ("机关", "Government agency"),
    "12": ("事业单位", "Public institution"),
    "13": ("中央编办直接管理机构编制的群众团体", "Mass organisation staffed by the central office"),
    "19": ("其他（机构编制）", "Other (institutional staffing)"),
    "21": ("外国常住新闻机构", "Resident foreign news agency"),
    "29": ("其他（外交）", "Other (foreign affairs)"),
    "31": ("律师执业机构", "Law firm"),
    "32": ("公证处", "Notary office"),
    "33": ("基层法律服务所", "Grassroots legal service office"),
    "34": ("司法鉴定机构", "Forensic appraisal institution"),
    "35": ("仲裁委员会", "Arbitration commission"),
    "39": ("其他（司法行政）", "Other (justice administration)"),
    "41": ("外国在华文化中心", "Foreign cultural centre in China"),
    "49": ("其他（文化）", "Other (culture)"),
    "51": ("社会团体", "Social organisation"),
    "52": ("民办非企业单位", "Private non-enterprise unit"),
    "53": ("基金会", "Foundation"),
    "59": ("其他（民政）", "Other (civil affairs)"),
    "61": ("外国旅游部门常驻代表机构", "Resident office of a foreign tourism authority"),
    "62": ("港澳台地区旅游部门常驻内地（大陆）代表机构",
           "Resident office of a Hong Kong, Macao or Taiwan tourism authority"),
    "69": ("其他（旅游）", "Other (tourism)"),
    "71": ("宗教活动场所", "Place of religious activity"),
    "72": ("宗教院校", "Religious college"),
    "79": ("其他（宗教）", "Other (religious affairs)"),
    "81": ("基层工会", "Grassroots trade union"),
    "89": ("其他（工会）", "Other (trade unions)"),
    "91": ("企业", "Enterprise"),
    "92": ("个体工商户", "Individual business"),
    "93": ("农民专业合作社", "Farmers' cooperative"),
    "A1": ("军队事业单位", "Military public institution"),
    "A9": ("其他（军队）", "Other (military)"),
    "N1": ("组级集体经济组织", "Group-level collective economic organisation"),
    "N2": ("村级集体经济组织", "Village-level collective economic organisation"),
    "N3": ("乡镇级集体经济组织", "Township-level collective economic organisation"),
    "N9": ("其他（农业）", "Other (agriculture)"),
}


@dataclass(frozen=True)
class EntityKind:
    code: str  # the first two characters
    authority_zh: str
    authority_en: str
    kind_zh: str | None  # None: a category the standard does not list for the authority
    kind_en: str | None

    def label(self, lang: str = "zh") -> str:
        """企业 / Enterprise; an unlisted category by its authority: 民政登记（类别 7）."""
        kind = self.kind_zh if lang == "zh" else self.kind_en
        if kind:
            return kind
        if lang == "zh":
            return f"{self.authority_zh}登记（类别 {self.code[1]}）"
        return f"Registered by {self.authority_en} (category {self.code[1]})"

    @property
    def is_enterprise(self) -> bool:
        return self.code == "91"


def kind_of(uscc: str | None) -> EntityKind | None:
    """The entity kind of a credit code; None when its first character names no authority
    (a code typed wrong, or too short to tell)."""
    code = (uscc or "").strip().upper()[:2]
    if len(code) < 2 or code[0] not in AUTHORITIES:
        return None
    authority_zh, authority_en = AUTHORITIES[code[0]]
    kind_zh, kind_en = KINDS.get(code, (None, None))
    return EntityKind(code, authority_zh, authority_en, kind_zh, kind_en)


def kind_label(uscc: str | None, lang: str = "zh") -> str | None:
    kind = kind_of(uscc)
    return kind.label(lang) if kind is not None else None
