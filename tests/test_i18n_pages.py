"""Every main page of every role in English shows none of our Chinese strings, and in
Chinese none of our English ones (data — names, regions, dictionary options — stays as typed)."""

import re
from html import unescape

import pytest
from babel.messages.pofile import read_po

from config import BASE_DIR
from tests.conftest import logged_in_client

CJK = re.compile(r"[\u4e00-\u9fff]")
NAV_LINK = re.compile(r'href="(/[a-z_]+/(?:list/|[a-z_]*/?)?)"')
TEXT = re.compile(r">([^<>]+)<")


def _catalog():
    with open(BASE_DIR / "translations" / "zh" / "LC_MESSAGES" / "messages.po", "rb") as f:
        return [m for m in read_po(f) if m.id and isinstance(m.id, str) and m.string]


def _texts(html: str) -> set[str]:
    body = html.split("<body", 1)[-1]
    body = re.sub(r"<script.*?</script>", "", body, flags=re.S)
    return {unescape(t).strip() for t in TEXT.findall(body) if t.strip()}


def _pages(client) -> list[str]:
    home = client.get("/workbench/").get_data(as_text=True)
    links = {link for link in NAV_LINK.findall(home)
             if not link.startswith(("/lang/", "/logout", "/static/", "/api/"))}
    return sorted(links | {"/workbench/"})


# Whole-text matches of a translation with more than three characters: short words ("是",
# "名称") also occur inside data and dictionary options, which stay Chinese in English.
ZH_OURS = {m.string for m in _catalog() if CJK.search(m.string) and len(m.string) > 3
           and not CJK.search(m.id)}
EN_OURS = {m.id for m in _catalog() if len(m.id.split()) >= 3 and not CJK.search(m.id)
           and m.id != m.string and "%" not in m.id}


@pytest.mark.parametrize("role", ["province", "city", "county", "enterprise", "bank"])
def test_every_main_page_in_english_shows_none_of_our_chinese(app, role):
    client = logged_in_client(app, role)
    client.get("/lang/en")
    leaks, pages = {}, _pages(client)
    assert len(pages) >= 4  # the menus were found
    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 302), url
        found = _texts(response.get_data(as_text=True)) & ZH_OURS
        if found:
            leaks[url] = sorted(found)
    client.get("/lang/zh")
    assert leaks == {}


@pytest.mark.parametrize("role", ["province", "city", "county", "enterprise", "bank"])
def test_every_main_page_in_chinese_shows_none_of_our_english(app, role):
    client = logged_in_client(app, role)
    client.get("/lang/zh")
    leaks, shown = {}, set()
    for url in _pages(client):
        texts = _texts(client.get(url).get_data(as_text=True))
        shown |= texts & ZH_OURS
        if texts & EN_OURS:
            leaks[url] = sorted(texts & EN_OURS)
    assert leaks == {}
    assert len(shown) >= 5  # the check sees our strings when they are there


def _stored_codes() -> set[str]:
    """Values stored in status, channel and stage columns: never shown as they are."""
    from app.domain import workflow
    from app.domain.records import channels
    from app.models import financing
    from app.models.reporting import ACTIVITY_STATUSES
    from app.services import scoring as scoring_service
    from app.services.platform import jobs
    from app.views.platform.audit import OBJECT_TYPE_LABELS

    return {*workflow.STATUSES, *workflow.ACTION_LABELS, *channels.CHANNEL_LABELS,
            *ACTIVITY_STATUSES,
            *financing.OUTCOMES, financing.DRAFT, financing.PUBLISHED,
            scoring_service.COMPUTED, scoring_service.CONFIRMED, scoring_service.FLAGGED,
            jobs.QUEUED, jobs.RUNNING, jobs.DONE, jobs.FAILED,
            "startup", "growth", "mature",  # the stages of innovation-points-2.0
            *OBJECT_TYPE_LABELS}  # the audit log's object types (model class names)


@pytest.mark.parametrize("role", ["province", "county", "enterprise", "bank"])
def test_no_page_in_chinese_shows_a_stored_code(app, role):
    """Statuses, channels and stages read as officials name them (已确认, 企业自主填报,
    成长期), not as the codes the database keeps (confirmed, self, growth)."""
    client = logged_in_client(app, role)
    client.get("/lang/zh")
    codes, shown = _stored_codes(), {}
    for url in _pages(client):
        cells = _texts(client.get(url).get_data(as_text=True))
        if cells & codes:
            shown[url] = sorted(cells & codes)
    assert shown == {}


def test_score_pages_name_stages_and_statuses(app, province_client):
    page = province_client.get("/scores/list/").get_data(as_text=True)
    assert {"已确认"} <= _texts(page) and _texts(page) & {"初创期", "成长期", "稳定期"}
    assert "已发布" in _texts(province_client.get("/projects/list/").get_data(as_text=True))
    province_client.get("/lang/en")
    try:
        assert "Confirmed" in _texts(province_client.get("/scores/list/").get_data(as_text=True))
    finally:
        province_client.get("/lang/zh")
