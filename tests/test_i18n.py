"""Chinese by default, English complete; our catalogs are complete and current."""

import subprocess
import sys

from babel.messages.pofile import read_po

from config import BASE_DIR

TRANSLATIONS = BASE_DIR / "translations"


def test_chinese_by_default_and_english_on_switch(app):
    client = app.test_client()
    page = client.get("/login/").get_data(as_text=True)
    assert "辽宁省创新积分平台" in page and "登录" in page
    client.get("/lang/en")
    page = client.get("/login/").get_data(as_text=True)
    assert "Innovation Points Platform" in page and "创新积分平台" not in page


def test_menus_in_both_languages(admin_client):
    zh = admin_client.get("/workbench/").get_data(as_text=True)
    for label in ("企业名录", "行政区划", "金融机构", "审计日志", "角色与权限"):
        assert label in zh
    admin_client.get("/lang/en")
    en = admin_client.get("/workbench/").get_data(as_text=True)
    for label in ("Enterprise directory", "Administrative divisions", "Audit log"):
        assert label in en
    assert "企业名录" not in en


def test_chinese_catalog_translates_every_message():
    with open(TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f)
    missing = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert missing == []


def test_catalogs_hold_every_string_in_the_code(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
                    str(BASE_DIR / "babel.cfg"), "-k", "lazy_gettext", "-k", "_l", "-o", str(pot),
                    str(BASE_DIR / "app")], check=True, capture_output=True)
    with open(pot, "rb") as f:
        in_code = {m.id for m in read_po(f) if m.id}
    for lang in ("zh", "en"):
        with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
            in_catalog = {m.id for m in read_po(f) if m.id}
        assert in_code - in_catalog == set(), (
            f"{lang}: run `make i18n-update` and translate the new strings")


def test_setup_compiles_missing_catalogs(app):
    from app.services.platform.setup import compile_translations

    mo = TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.mo"
    mo.unlink()
    assert compile_translations() >= 1
    assert mo.exists() and mo.stat().st_size > 1000
    assert compile_translations() == 0


def test_translations_keep_the_placeholders_and_add_no_percent_signs():
    """Templates format every message with %: a translation that adds a bare "%" (or drops
    a placeholder) breaks the page that shows it (found: 年利率（%）)."""
    import re

    placeholder = re.compile(r"%\(\w+\)[sd]|%%")
    with open(TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f)
    wrong = []
    for message in catalog:
        if not message.id or isinstance(message.id, tuple):
            continue
        if sorted(placeholder.findall(message.id)) != sorted(placeholder.findall(message.string)):
            wrong.append(message.id)
        elif "%" in placeholder.sub("", message.string) and "%" not in message.id:
            wrong.append(message.id)
    assert wrong == []


def test_english_source_strings_hold_no_chinese_but_quoted_workbook_names():
    """An English page must not show Chinese words hidden in a source string ("Announce
    (公告)" was one); only the names of the Chinese workbook's own sheets and columns may be
    quoted, as the file the user opens really has them."""
    import re

    with open(TRANSLATIONS / "messages.pot", "rb") as f:
        catalog = read_po(f)
    cjk = re.compile(r"[\u4e00-\u9fff]")
    quoted = {"营业收入（数据年度）", "填写说明", "校验规则"}
    found = []
    for message in catalog:
        text = message.id if isinstance(message.id, str) else " ".join(message.id)
        rest = text
        for name in quoted:
            rest = rest.replace(name, "")
        if text and cjk.search(rest):
            found.append(text)
    assert found == []
