"""Every page of every role in English shows none of our Chinese, and in Chinese none of our
English: the menu pages, the workbench, each list and the first record's page of each list
that has one, the score run, breakdown and confirmation, the projects and their editor,
recommendation lists, entries and the build form, loans, my scores and my financing.

Two kinds of Chinese may show in English, and only as the user typed them: data (an
enterprise's name, an activity, a bank, a person) and raw files (a project's YAML). The
names the platform translates — regions, stages, programmes, rules, dictionary options,
indicators, groups, projects and grades — show in English, and nothing else Chinese does
either: a Chinese text that is neither in our catalogue nor typed data (a template that
writes 查看详情 instead of ``_("View details")``) is caught as well."""

from __future__ import annotations

import re
from html import unescape

import pytest
from babel.messages.pofile import read_po

from config import BASE_DIR
from tests.conftest import DEMO_PASSWORD, logged_in_client, login

CJK = re.compile(r"[\u4e00-\u9fff]")
NAV_LINK = re.compile(r'href="(/[a-z_]+/(?:list/|[a-z_]*/?)?)"')
RECORD_LINK = re.compile(r'href="(/[a-z_]+/(?:show|outcome|edit_project)/\d+)[?"]')
TEXT = re.compile(r">([^<>]+)<")
ROLES = ["province", "city", "county", "enterprise", "bank"]


def _catalog():
    with open(BASE_DIR / "translations" / "zh" / "LC_MESSAGES" / "messages.po", "rb") as f:
        return [m for m in read_po(f) if m.id and isinstance(m.id, str) and m.string]


def _body(html: str) -> str:
    body = html.split("<body", 1)[-1]
    return re.sub(r"<script.*?</script>", "", body, flags=re.S)


def _main(html: str) -> str:
    """The page itself, without the shell around it (sidebar, top bar, a list's quick
    search) and without raw files shown as they are (<pre>: a project's YAML)."""
    main = html.split('id="shell-content"', 1)[-1].split("</main>", 1)[0]
    main = re.sub(r'<form[^>]*id="quick-search".*?</form>', "", main, flags=re.S)
    return re.sub(r"<pre.*?</pre>", "", _body(main), flags=re.S)


def _texts(html: str) -> set[str]:
    return {unescape(t).strip() for t in TEXT.findall(html) if t.strip()}


# Whole-text matches of a translation with more than three characters: short words ("是",
# "名称") also occur inside data and dictionary options, which stay Chinese in English.
ZH_OURS = {m.string for m in _catalog() if CJK.search(m.string) and len(m.string) > 3
           and not CJK.search(m.id)}
EN_OURS = {m.id for m in _catalog() if len(m.id.split()) >= 3 and not CJK.search(m.id)
           and m.id != m.string and "%" not in m.id}


def _names() -> tuple[set[str], set[str]]:
    """The names the platform translates, in Chinese and in English: the deployment
    province's regions (names and full names), programmes, rules, dictionary options, and
    the stages, groups, indicators, grades and reasons of the reference projects."""
    from app.domain.records import rules
    from app.domain.records.fields import REGISTRY
    from app.domain.regions import load_regions
    from app.domain.scoring import files
    from app.models.financing import PROGRAMME_LABELS_EN
    from app.services.platform.setup import REGIONS_DIR, english_region_names

    zh, en = set(), set()
    for row, name_en, full_en in english_region_names(load_regions(REGIONS_DIR)):
        if row.code.startswith("21"):
            zh |= {row.name, row.full_name}
            en |= {name_en, full_en}
    zh |= set(PROGRAMME_LABELS_EN)
    en |= set(PROGRAMME_LABELS_EN.values())
    for rule in rules.RULES:
        zh.add(rule.label("zh"))
        en.add(rule.label("en"))
    for field in REGISTRY:
        zh |= set(field.options)
        en |= set(field.options_en.values())
    for path in (BASE_DIR / "app" / "data" / "indicator-projects").glob("*.yaml"):
        project = files.load(path.read_bytes())
        parts = [*project.stages, *project.groups, *project.indicators,
                 *(g for g in project.grades if g.name_en), project]
        zh |= {p.label("zh") for p in parts}
        en |= {p.label("en") for p in parts} | set(project.reasons_en.values())
        zh |= set(project.reasons_en)
    # Short English words ("Other", "None", "Large") occur in our own strings too.
    return zh, {name for name in en if len(name.split()) >= 2}


ZH_NAMES, EN_NAMES = _names()


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


# Columns whose values are names the platform translates (not data typed by a user).
_TRANSLATED_COLUMNS = {"submission.qualification_set", "submission.warning_rules",
                       "score_result.tech_field", "score_result.grade", "score_result.stage",
                       "score_result.reasons", "score_result.breakdown", "score_run.cohorts",
                       "submission.findings",  # our rules' messages, in both languages
                       "recommendation_entry.grade", "recommendation_list.programme",
                       "recommendation_list.rules", "evaluation_project.name",
                       "evaluation_project.definition"}


def _strings(value):
    """The texts inside a stored value (JSON lists and objects walked)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def _typed_data(app) -> list[str]:
    """Every Chinese text users typed or the data came with (names of enterprises,
    activities, banks, people, lists, files, messages, rows of an uploaded file), longest
    first; regions and the columns of translated names left out."""
    from sqlalchemy import JSON, String, Text, select

    from app.domain.records.fields import REGISTRY
    from app.extensions import db

    options = {f"submission.{f.key}" for f in REGISTRY if f.options}
    found: set[str] = set()
    with app.app_context():
        for table in db.metadata.sorted_tables:
            if table.name == "region":
                continue
            for column in table.columns:
                key = f"{table.name}.{column.name}"
                if not isinstance(column.type, (String, Text, JSON)) or key in options \
                        or key in _TRANSLATED_COLUMNS:
                    continue
                query = select(column) if isinstance(column.type, JSON) \
                    else select(column).distinct()
                found |= {text for (value,) in db.session.execute(query)
                          for text in _strings(value) if CJK.search(text)}
        # People are shown by their whole name (系统 + 管理员: 系统管理员).
        from app.models import AppUser

        found |= {f"{first or ''}{last or ''}" for first, last in db.session.execute(
            select(AppUser.first_name, AppUser.last_name)) if CJK.search(first or "")}
    return sorted(found, key=len, reverse=True)


def _untyped_chinese(text: str, data: list[str]) -> bool:
    """Whether ``text`` holds Chinese that is not typed data."""
    for value in data:
        if value in text:
            text = text.replace(value, " ")
            if not CJK.search(text):
                return False
    return bool(CJK.search(text))


def _extra_pages(app) -> list[str]:
    """Pages no menu links to: a run, its confirmation, each project and its editor, the
    build form, a list and an entry, loans, my scores and my financing (a role without
    the permission gets 403 and the page is left out for it)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import EvaluationProject, RecommendationEntry, RecommendationList, ScoreRun

    with app.app_context():
        def first(column):
            return db.session.execute(select(column).order_by(column).limit(1)).scalar()

        run, entry, lst = first(ScoreRun.id), first(RecommendationEntry.id), \
            first(RecommendationList.id)
        projects = db.session.execute(select(EvaluationProject.id)).scalars().all()
    return [f"/scoreruns/show/{run}", f"/scoreruns/confirm/{run}", "/scoreruns/start",
            *(f"/projects/show/{p}" for p in projects),
            *(f"/projects/edit_project/{p}" for p in projects),
            "/projects/new_project", f"/recommendations/show/{lst}",
            f"/recommended/outcome/{entry}", "/recommendations/build", "/loans/",
            "/myscore/", "/myfinancing/"]


_crawled: dict = {}


def _crawl(app, role: str, lang: str) -> dict[str, str]:
    """Every page ``role`` reaches in ``lang``: the workbench, the menu's pages, the first
    record linked from each of them, the extra pages; url -> html (once per module)."""
    key = (role, lang)
    if key in _crawled:
        return _crawled[key]
    client = _client(app, role, lang)
    home = client.get("/workbench/").get_data(as_text=True)
    menu = {link for link in NAV_LINK.findall(home)
            if not link.startswith(("/lang/", "/logout", "/static/", "/api/"))}
    pages: dict[str, str] = {}
    queue = sorted(menu | {"/workbench/"})
    for url in queue:
        response = client.get(url, follow_redirects=True)
        assert response.status_code in (200, 403), url
        if response.status_code != 200:
            continue
        pages[url] = html = response.get_data(as_text=True)
        if url in menu:
            records = RECORD_LINK.findall(_main(html))
            if records and records[0] not in queue:
                queue.append(records[0])
    for url in _extra_pages(app):
        if url not in pages:
            response = client.get(url, follow_redirects=True)
            if response.status_code == 200:
                pages[url] = response.get_data(as_text=True)
    client.get("/lang/zh")
    _crawled[key] = pages
    return pages


def _client(app, role, lang):
    client = logged_in_client(app, role) if isinstance(role, str) else role
    client.get(f"/lang/{lang}")
    return client


# Pages whose Chinese in English is data, not names: the audit log shows stored values as
# they were written.
_REVIEWERS = ("province", "city", "county")
STILL_CHINESE = {
    "/auditlogview/": (("province", "city", "county", "enterprise", "bank"), ""),
}


def _still_chinese(role: str, url: str) -> bool:
    return any(url.startswith(prefix) and role in roles
               for prefix, (roles, _why) in STILL_CHINESE.items())


def _leaks_in_english(pages: dict[str, str], data: list[str], role: str | None) -> dict:
    """Per page, our Chinese strings (anywhere), and in the page itself translated names in
    Chinese and Chinese that is not typed data (not on pages still to be done for
    ``role``; with ``role=None`` on every page)."""
    leaks, whole = {}, set(data)
    for url, html in pages.items():
        # A value typed as it is (an account named 系统管理员) is data, even when one of our
        # strings reads the same.
        found = sorted(_texts(_body(html)) & ZH_OURS - whole)
        if role is None or not _still_chinese(role, url):
            main = _texts(_main(html))
            found += sorted(main & ZH_NAMES)
            found += sorted(t for t in main - ZH_NAMES - ZH_OURS
                            if CJK.search(t) and _untyped_chinese(t, data))
        if found:
            leaks[url] = found
    return leaks


@pytest.fixture(scope="module")
def typed_data(app):
    return _typed_data(app)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_in_english_shows_none_of_our_chinese(app, role, typed_data):
    pages = _crawl(app, role, "en")
    assert len(pages) >= 6  # the menus were found
    assert _leaks_in_english(pages, typed_data, role) == {}


@pytest.mark.parametrize("role", ROLES)
def test_every_page_in_chinese_shows_none_of_our_english(app, role):
    pages = _crawl(app, role, "zh")
    leaks, shown = {}, set()
    for url, html in pages.items():
        texts = _texts(_body(html))
        shown |= texts & ZH_OURS
        found = texts & EN_OURS | _texts(_main(html)) & EN_NAMES
        if found:
            leaks[url] = sorted(found)
    assert leaks == {}
    assert len(shown) >= 5  # the check sees our strings when they are there


def test_the_pages_checked_include_records_scores_projects_and_financing(app):
    province = _crawl(app, "province", "en")
    bank = _crawl(app, "bank", "en")
    urls = " ".join([*province, *bank])
    for page in ("/workbench/", "/scores/show/", "/scoreruns/show/", "/scoreruns/confirm/",
                 "/projects/show/", "/projects/edit_project/", "/recommendations/show/",
                 "/recommended/outcome/", "/recommendations/build", "/loans/",
                 "/submissionview/show/", "/needs/show/"):
        assert page in urls, page


@pytest.mark.parametrize("role", ["province", "county", "enterprise", "bank"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_page_shows_a_stored_code(app, role, lang):
    """Statuses, channels and stages read as officials name them (已确认 / Confirmed,
    企业自主填报 / Self-report, 成长期 / Growth), not as the codes the database keeps
    (confirmed, self, growth)."""
    pages = _crawl(app, role, lang)
    codes, shown = _stored_codes(), {}
    if lang == "en":  # model names (Enterprise, Bank) are English words there
        codes = {code for code in codes if not code[:1].isupper()}
    for url, html in pages.items():
        cells = _texts(_body(html))
        if cells & codes:
            shown[url] = sorted(cells & codes)
    assert shown == {}


@pytest.mark.parametrize("role, url", [("province", "/workbench/"),
                                       ("county", "/submissionview/list/")])
def test_the_shell_names_regions_in_english(app, role, url):
    """The area switch of the top bar and a list's region cascader name regions in
    English (pinyin)."""
    assert not _texts(_body(_crawl(app, role, "en")[url])) & ZH_NAMES


def test_score_pages_name_stages_and_statuses(app, province_client):
    page = province_client.get("/scores/list/").get_data(as_text=True)
    assert {"已确认"} <= _texts(page) and _texts(page) & {"初创期", "成长期", "稳定期"}
    assert "已发布" in _texts(province_client.get("/projects/list/").get_data(as_text=True))
    province_client.get("/lang/en")
    try:
        page = province_client.get("/scores/list/").get_data(as_text=True)
        assert "Confirmed" in _texts(page) and _texts(page) & {"Start-up", "Growth", "Mature"}
        assert any("Dalian, Liaoning" in t or ", Liaoning" in t for t in _texts(page))
    finally:
        province_client.get("/lang/zh")


@pytest.fixture(scope="module")
def scored_enterprise_client(app):
    """An enterprise account of an enterprise with a confirmed score that was recommended
    to banks (the demo's own enterprise has neither yet)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import RecommendationEntry
    from app.security import roles
    from app.services.platform.accounts import create_user

    with app.app_context():
        enterprise_id = db.session.execute(select(RecommendationEntry.enterprise_id).order_by(
            RecommendationEntry.id).limit(1)).scalar_one()
        create_user("i18n_scored_enterprise", DEMO_PASSWORD, roles.ENTERPRISE,
                    first_name="Scored", last_name="Account", email="i18n-scored@demo.invalid",
                    enterprise_id=enterprise_id)
        db.session.commit()
    client = app.test_client()
    assert login(client, "i18n_scored_enterprise").status_code == 302
    return client


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_my_scores_and_my_financing_name_everything(app, scored_enterprise_client, lang,
                                                    typed_data):
    client = _client(app, scored_enterprise_client, lang)
    pages = {url: client.get(url).get_data(as_text=True) for url in ("/myscore/",
                                                                     "/myfinancing/")}
    scores = _texts(_main(pages["/myscore/"]))
    if lang == "en":
        assert _leaks_in_english(pages, typed_data, "enterprise") == {}
        assert {"Innovation input", "Innovation impact (bonus)"} <= scores
        assert "R&D expense (10k yuan)" in scores
        assert re.search(r"Stage: (Start-up|Growth|Mature)\.", " ".join(scores))
        assert "Sci-tech innovation relending" in " ".join(_texts(_main(pages["/myfinancing/"])))
    else:
        assert not {t for html in pages.values() for t in _texts(_main(html))} & EN_NAMES
        assert {"创新投入", "研发费用金额（万元）"} <= scores
    client.get("/lang/zh")
