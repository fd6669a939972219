"""Writes names_en.csv (code,name_en): the English names of the regions, in pinyin.

Run once, when the region files change, with pypinyin installed (the app itself does not
need it; it reads the CSV this writes)::

    .venv/bin/pip install pypinyin
    .venv/bin/python app/data/regions/make_names_en.py

The convention (GB/T 16159 word forms, the type in English where it says what a place is):

* a province, a municipality and a prefecture-level city by its name alone: "Liaoning",
  "Beijing", "Dalian"; autonomous regions by their established names ("Inner Mongolia",
  "Guangxi", "Tibet", "Ningxia", "Xinjiang"), 陕西 as "Shaanxi";
* prefectures, leagues and autonomous prefectures with their type: "Ali Prefecture",
  "Xing'an League", "Yanbian Korean Autonomous Prefecture";
* county-level divisions always with their type: "Zhongshan District", "Changhai County",
  "Wafangdian City", "Xiuyan Manchu Autonomous County", "Horqin Right Front Banner",
  "Pudong New Area", development zones as "Changchun High-tech Industrial Development
  Zone".

Place names are one word in pinyin without tones (ü kept), an apostrophe before a syllable
that starts with a, o or e ("Xi'an", "Lu'an"). Readings that differ in place names (长 in
长春 and 长海 is cháng, 六 in 六安 is lù, 乐 in 乐亭 is lào) are fixed below and checked by
tests/domain/test_regions.py.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from pypinyin import Style, lazy_pinyin

HERE = Path(__file__).resolve().parent

# Whole names that pinyin alone gets wrong or makes unreadable.
NAMES = {
    "市辖区": "Districts", "县": "Counties",
    "省直辖县级行政区划": "County-level divisions under the province",
    "自治区直辖县级行政区划": "County-level divisions under the autonomous region",
    "城区": "City District", "矿区": "Mining District", "郊区": "Suburban District",
    "中沙群岛的岛礁及其海域": "Zhongsha Islands, Reefs and Waters",
    "乌拉盖管理区管委会": "Wulagai Administrative Zone",
    "包头稀土高新技术产业开发区": "Baotou Rare Earth High-tech Industrial Development Zone",
    "威海火炬高技术产业开发区": "Weihai Torch High-tech Industrial Development Zone",
    "中新苏滁高新技术产业开发区":
        "China-Singapore Suchu High-tech Industrial Development Zone",
    "山西转型综合改革示范区": "Shanxi Comprehensive Reform Demonstration Zone",
    "西藏文化旅游创意园区": "Tibet Cultural Tourism Creative Park",
    "格尔木藏青工业园区": "Golmud Tibet-Qinghai Industrial Park",
    "五台山风景名胜区": "Mount Wutai Scenic Area",
    "吉林中国新加坡食品区": "Jilin China-Singapore Food Zone",
    "郑州航空港经济综合实验区": "Zhengzhou Airport Economy Zone",
    "豫东综合物流产业聚集区": "Yudong Logistics Industry Cluster",
    "长春汽车经济技术开发区": "Changchun Automotive Economic and Technological Development Zone",
    "东营港经济开发区": "Dongying Port Economic Development Zone",
}

# Established English names of places (the name without its type), used wherever the place
# is named: 内蒙古 in "Inner Mongolia", 呼和浩特 in "Hohhot Economic and Technological
# Development Zone", 喀什 in "Kashgar Prefecture" and "Kashgar City".
EXONYMS = {
    # provinces and autonomous regions
    "内蒙古": "Inner Mongolia", "广西": "Guangxi", "西藏": "Tibet", "宁夏": "Ningxia",
    "新疆": "Xinjiang", "陕西": "Shaanxi",
    # Inner Mongolia
    "呼和浩特": "Hohhot", "鄂尔多斯": "Ordos", "呼伦贝尔": "Hulunbuir", "巴彦淖尔": "Bayannur",
    "乌兰察布": "Ulanqab", "兴安": "Hinggan", "锡林郭勒": "Xilingol", "阿拉善": "Alxa",
    "二连浩特": "Erenhot", "锡林浩特": "Xilinhot", "乌兰浩特": "Ulanhot",
    "霍林郭勒": "Holingol", "科尔沁": "Horqin", "喀喇沁": "Harqin", "土默特": "Tumed",
    "鄂托克": "Otog", "乌拉特": "Urad", "察哈尔": "Chahar", "巴林": "Bairin",
    "阿鲁科尔沁": "Ar Horqin", "翁牛特": "Ongniud", "克什克腾": "Hexigten", "扎鲁特": "Jarud",
    "达尔罕茂明安": "Darhan Muminggan", "苏尼特": "Sonid", "东乌珠穆沁": "East Ujimqin",
    "西乌珠穆沁": "West Ujimqin", "阿巴嘎": "Abag", "太仆寺": "Taibus",
    "正镶白": "Plain and Bordered White", "镶黄": "Bordered Yellow", "正蓝": "Plain Blue",
    "莫力达瓦": "Morin Dawa", "陈巴尔虎": "Old Barag", "新巴尔虎": "New Barag",
    "准格尔": "Jungar", "达拉特": "Dalad", "伊金霍洛": "Ejin Horo", "乌审": "Uxin",
    "杭锦": "Hanggin", "额济纳": "Ejin", "扎赉特": "Jalaid", "库伦": "Hure", "阿荣": "Arun",
    "四子王": "Dorbod", "前郭尔罗斯": "Qian Gorlos",
    # Heilongjiang, Jilin
    "哈尔滨": "Harbin", "齐齐哈尔": "Qiqihar", "大兴安岭": "Da Hinggan Ling",
    # Tibet and Qinghai
    "拉萨": "Lhasa", "日喀则": "Shigatse", "昌都": "Qamdo", "林芝": "Nyingchi",
    "那曲": "Nagqu", "阿里": "Ngari", "格尔木": "Golmud",
    # Xinjiang
    "乌鲁木齐": "Urumqi", "克拉玛依": "Karamay", "吐鲁番": "Turpan", "博尔塔拉": "Bortala",
    "巴音郭楞": "Bayingolin", "阿克苏": "Aksu", "克孜勒苏": "Kizilsu", "喀什": "Kashgar",
    "和田": "Hotan", "伊犁": "Ili", "阿勒泰": "Altay", "库尔勒": "Korla", "石河子": "Shihezi",
}

# Readings of a whole word where the usual reading of a character is wrong in it.
WORDS = {
    "长子": "zhang zi", "乐亭": "lao ting", "乐陵": "lao ling", "乐清": "yue qing",
    "六安": "lu an", "六合": "lu he", "东阿": "dong e", "尉犁": "yu li", "荥经": "ying jing",
    "吐鲁番": "tu lu fan", "洪洞": "hong tong", "涡阳": "guo yang", "筠连": "jun lian",
    "句容": "ju rong", "柞水": "zha shui", "大埔": "da bu", "黄埔": "huang pu",
    "番禺": "pan yu", "铅山": "yan shan", "吴堡": "wu bu", "堡子": "bao zi",
    "盖州": "gai zhou", "蚌埠": "beng bu", "厦门": "xia men", "重庆": "chong qing",
    "会稽": "kuai ji", "称多": "chen duo", "莎车": "sha che", "枞阳": "zong yang",
    "犍为": "qian wei", "繁峙": "fan shi", "茌平": "chi ping", "夹江": "jia jiang",
    "牟平": "mu ping", "大冶": "da ye", "阿城": "a cheng",
    "宿迁": "su qian", "宿州": "su zhou", "宿松": "su song", "宿豫": "su yu",
    "宿城": "su cheng", "亳州": "bo zhou", "泌阳": "bi yang",
    "藁城": "gao cheng", "沈阳": "shen yang", "沈北": "shen bei",
    "荥阳": "xing yang", "栾城": "luan cheng", "行唐": "xing tang", "曲阜": "qu fu",
    "那曲": "na qu", "漯河": "luo he", "郫都": "pi du", "汤阴": "tang yin",
    "济南": "ji nan", "济源": "ji yuan", "济宁": "ji ning", "相城": "xiang cheng",
    "尉氏": "wei shi", "朝阳": "chao yang", "朝天": "chao tian", "召陵": "shao ling",
    "曾都": "zeng du", "覃塘": "qin tang", "珲春": "hun chun", "泊头": "bo tou",
    "伽师": "jia shi", "万柏林": "wan bai lin", "寺堡": "si bu",
}

# Readings of a one-character name (the type left off): 蔚县 is Yu County.
STEMS = {"蔚": "yu", "浚": "xun", "单": "shan", "莘": "shen", "滑": "hua", "郏": "jia",
         "歙": "she", "黟": "yi", "蠡": "li", "乾": "qian"}

# The reading of a character in place names where pypinyin's usual reading is another one
# (exceptions are in WORDS).
CHARACTERS = {"长": "chang", "朝": "chao", "都": "du", "乐": "le", "会": "hui", "重": "chong",
              "厦": "xia", "蚌": "beng", "藏": "zang", "区": "qu", "大": "da", "石": "shi",
              "沈": "shen", "什": "shi", "勒": "le", "佛": "fo", "尾": "wei", "卡": "ka",
              "圩": "xu"}

# Types of a division at the end of its name, longest first: (Chinese, English).
COUNTY_TYPES = (("自治县", "Autonomous County"), ("自治旗", "Autonomous Banner"),
                ("联合旗", "United Banner"), ("林区", "Forestry District"),
                ("矿区", "Mining District"),
                ("特区", "Special District"), ("新区", "New Area"), ("区", "District"),
                ("县", "County"), ("市", "City"), ("旗", "Banner"))
CITY_TYPES = (("自治州", "Autonomous Prefecture"), ("地区", "Prefecture"), ("盟", "League"),
              ("市", ""))
PROVINCE_TYPES = (("省", ""), ("市", ""), ("自治区", "Autonomous Region"))
# Development zones and the like: the kind of zone after the place it belongs to.
ZONES = (
    ("高新技术产业开发区", "High-tech Industrial Development Zone"),
    ("高技术产业开发区", "High-tech Industrial Development Zone"),
    ("高新技术产业园区", "High-tech Industrial Park"),
    ("高新技术开发区", "High-tech Development Zone"),
    ("经济技术开发区", "Economic and Technological Development Zone"),
    ("城乡一体化示范区", "Urban-Rural Integration Demonstration Zone"),
    ("经济开发区", "Economic Development Zone"), ("现代产业园区", "Modern Industrial Park"),
    ("循环化工园区", "Circular Chemical Industry Park"), ("工业园区", "Industrial Park"),
    ("临港开发区", "Lingang Development Zone"), ("开发区", "Development Zone"),
    ("示范区", "Demonstration Zone"), ("管理区", "Administrative Zone"),
    ("行政委员会", "Administrative Committee"), ("新城", "New Town"), ("群岛", "Islands"),
)
# Directions in the names of banners (旗) and of counties that were banners.
WINGS = (("左翼前", "Left Wing Front"), ("左翼中", "Left Wing Middle"),
         ("左翼后", "Left Wing Rear"), ("右翼前", "Right Wing Front"),
         ("右翼中", "Right Wing Middle"), ("右翼后", "Right Wing Rear"),
         ("左翼", "Left Wing"), ("右翼", "Right Wing"), ("前", "Front"), ("中", "Middle"),
         ("后", "Rear"), ("左", "Left"), ("右", "Right"))
# Ethnic groups in the names of autonomous divisions. Forms without 族 only where the
# name is unmistakable.
ETHNIC = {"蒙古": "Mongol", "回": "Hui", "藏": "Tibetan", "维吾尔": "Uygur", "苗": "Miao",
          "彝": "Yi", "壮": "Zhuang", "布依": "Bouyei", "朝鲜": "Korean", "满": "Manchu",
          "侗": "Dong", "瑶": "Yao", "白": "Bai", "土家": "Tujia", "哈尼": "Hani",
          "哈萨克": "Kazakh", "傣": "Dai", "黎": "Li", "傈僳": "Lisu", "佤": "Va", "畲": "She",
          "拉祜": "Lahu", "水": "Sui", "东乡": "Dongxiang", "纳西": "Naxi", "景颇": "Jingpo",
          "柯尔克孜": "Kirgiz", "土": "Tu", "达斡尔": "Daur", "仫佬": "Mulao", "羌": "Qiang",
          "布朗": "Blang", "撒拉": "Salar", "毛南": "Maonan", "仡佬": "Gelao", "锡伯": "Xibe",
          "阿昌": "Achang", "普米": "Pumi", "塔吉克": "Tajik", "怒": "Nu", "乌孜别克": "Uzbek",
          "俄罗斯": "Russian", "鄂温克": "Ewenki", "德昂": "De'ang", "保安": "Bonan",
          "裕固": "Yugur", "京": "Gin", "塔塔尔": "Tatar", "独龙": "Derung",
          "鄂伦春": "Oroqen", "赫哲": "Hezhen", "门巴": "Monba", "珞巴": "Lhoba", "基诺": "Jino",
          "各": "Multi-ethnic"}
ETHNIC_BARE = ("蒙古", "哈萨克", "柯尔克孜", "鄂伦春", "鄂温克", "达斡尔", "塔吉克", "锡伯",
               "维吾尔")

_VOWEL_START = re.compile(r"^[aoe]")


def syllables(text: str) -> list[str]:
    """Pinyin syllables of a place name: pypinyin's reading of the whole name (its phrases
    know many place names), then the readings of CHARACTERS, then those of WORDS."""
    out = lazy_pinyin(text, style=Style.NORMAL, v_to_u=True, errors=lambda chars: list(chars))
    if len(out) != len(text):
        raise ValueError(f"not a Chinese place name: {text!r}")
    out = [CHARACTERS.get(char, reading) for char, reading in zip(text, out, strict=True)]
    for length in (3, 2):
        for i in range(len(text) - length + 1):
            if text[i:i + length] in WORDS:
                out[i:i + length] = WORDS[text[i:i + length]].split()
    return out


def word(text: str) -> str:
    """One place name as one word: 大连 → Dalian, 西安 → Xi'an, 吕梁 → Lüliang."""
    if not text:
        return ""
    if text in EXONYMS:
        return EXONYMS[text]
    parts = [STEMS[text]] if text in STEMS else syllables(text)
    joined = parts[0] + "".join("'" + p if _VOWEL_START.match(p) else p for p in parts[1:])
    return joined[:1].upper() + joined[1:]


def _strip_ethnic(stem: str) -> tuple[str, list[str]]:
    """The place and the ethnic groups of an autonomous division's name (its type left
    off): 黔西南布依族苗族 → 黔西南, [Bouyei, Miao]; 鄂温克族 → "", [Ewenki]."""
    groups: list[str] = []
    whole = stem[:-1] if stem.endswith("族") else stem
    if whole in ETHNIC and (stem.endswith("族") or whole in ETHNIC_BARE):
        return "", [ETHNIC[whole]]
    while True:
        for name in sorted(ETHNIC, key=len, reverse=True):
            if stem.endswith(name + "族") and len(stem) > len(name) + 1:
                groups.insert(0, ETHNIC[name])
                stem = stem[:-len(name) - 1]
                break
            if name in ETHNIC_BARE and stem.endswith(name) and len(stem) > len(name):
                groups.insert(0, ETHNIC[name])
                stem = stem[:-len(name)]
                break
        else:
            return stem, groups


def _wing(stem: str) -> tuple[str, str]:
    for chinese, english in WINGS:
        if stem.endswith(chinese) and len(stem) > len(chinese) + 1:
            return stem[:-len(chinese)], english
    return stem, ""


def _joined(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def _ethnic_words(groups: list[str]) -> str:
    return " and ".join(groups) if len(groups) <= 2 else ", ".join(groups[:-1]) + \
        " and " + groups[-1]


class Namer:
    def __init__(self, provinces: list[str], cities: list[str]):
        stems = set()
        for name in provinces:
            stem = _strip_type(name, PROVINCE_TYPES)[0]
            stems.add(stem if stem in EXONYMS else _strip_ethnic(stem)[0])
        for name in cities:
            stems.add(_strip_ethnic(_strip_type(name, CITY_TYPES)[0])[0])
        self.stems = sorted((s for s in stems if len(s) >= 2), key=len, reverse=True)

    def province(self, name: str) -> str:
        if name in NAMES:
            return NAMES[name]
        stem, _type = _strip_type(name, PROVINCE_TYPES)
        return word(stem if stem in EXONYMS else _strip_ethnic(stem)[0])

    def city(self, name: str) -> str:
        if name in NAMES:
            return NAMES[name]
        stem, kind = _strip_type(name, CITY_TYPES)
        stem, groups = _strip_ethnic(stem)
        return _joined(word(stem), _ethnic_words(groups) if groups else "", kind)

    def county(self, name: str) -> str:
        if name in NAMES:
            return NAMES[name]
        for chinese, english in ZONES:
            if name.endswith(chinese) and len(name) > len(chinese):
                return _joined(self._places(name[:-len(chinese)]), english)
        stem, kind = _strip_type(name, COUNTY_TYPES)
        stem, groups = _strip_ethnic(stem)
        wing = ""
        if kind.endswith("Banner") or groups:
            stem, wing = _wing(stem)
        return _joined(word(stem), wing, _ethnic_words(groups) if groups else "", kind)

    def _places(self, text: str) -> str:
        """The places a zone's name starts with, each a word: 河北唐山芦台 → Hebei Tangshan
        Lutai."""
        words = []
        while text:
            for stem in self.stems:
                if text.startswith(stem):
                    words.append(word(stem))
                    text = text[len(stem):]
                    text = text[1:] if text.startswith(("市", "省")) else text
                    break
            else:
                words.append(word(text))
                break
        return " ".join(words)


def _strip_type(name: str, types: tuple[tuple[str, str], ...]) -> tuple[str, str]:
    for chinese, english in types:
        if name.endswith(chinese) and len(name) > len(chinese):
            return name[:-len(chinese)], english
    return name, ""


def read(name: str) -> list[dict]:
    with open(HERE / name, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def english_names() -> list[tuple[str, str]]:
    provinces, cities, areas = read("provinces.csv"), read("cities.csv"), read("areas.csv")
    namer = Namer([p["name"] for p in provinces], [c["name"] for c in cities])
    rows = [(p["code"], namer.province(p["name"])) for p in provinces]
    rows += [(c["code"], namer.city(c["name"])) for c in cities]
    rows += [(a["code"], namer.county(a["name"])) for a in areas]
    return rows


def main() -> None:
    rows = english_names()
    with open(HERE / "names_en.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["code", "name_en"])
        writer.writerows(rows)
    print(f"{len(rows)} names written to {HERE / 'names_en.csv'}")


if __name__ == "__main__":
    main()
