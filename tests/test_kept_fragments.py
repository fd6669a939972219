"""What a list page costs does not grow with its rows; the filter fields and the menu FAB
renders on every page are kept, per view, role set, scope and language
(app/views/kept_fragments.py, docs/PERFORMANCE.md load test)."""

import re

from sqlalchemy import func, select

from app.extensions import db
from app.models import Submission
from app.views.shell.kept_fragments import rendered_fields
from tests.conftest import get_with_statements


def _statements(app, client, url):
    response, statements = get_with_statements(app, client, url)
    return response.get_data(as_text=True), statements


def test_regions_and_activities_of_a_page_come_in_one_query_each(app, province_client,
                                                                 monkeypatch):
    """Each row shows its region and activity: loaded together with the page, not one query
    per row (FAB's lazy loading)."""
    monkeypatch.setitem(app.config, "LIST_CACHE_SECONDS", 0)  # the page as it is built
    with app.app_context():
        activity_id = db.session.execute(
            select(Submission.activity_id).group_by(Submission.activity_id)
            .order_by(func.count(func.distinct(Submission.region_code)).desc())).scalar()
    url = f"/submissionview/list/?_flt_0_activity={activity_id}&psize_SubmissionView="
    province_client.get(url + "5")  # fields kept, as on a running server
    page, many = _statements(app, province_client, url + "100")
    _page, few = _statements(app, province_client, url + "5")
    regions_shown = set(re.findall(r"<td[^>]*>\s*(\S+[区县市])\s*</td>", page))
    assert len(regions_shown) > 3, "the page shows rows of several regions"
    assert len(many) == len(few) <= 10, many
    assert sum(" FROM region " in s for s in many) == 1


def _picker(statements):
    """The activity picker's query: every activity (the page's own rows ask for theirs)."""
    return [s for s in statements if " FROM reporting_activity" in s and " WHERE " not in s]


def test_filter_fields_are_rendered_once_and_kept(app, province_client, monkeypatch):
    with app.app_context():
        rendered_fields.clear()
    _page, first = _statements(app, province_client, "/submissionview/list/")
    page, second = _statements(app, province_client, "/submissionview/list/")
    assert _picker(first) and not _picker(second)
    assert 'id="filter_form"' in page and "region" in page
    monkeypatch.setitem(app.config, "SEARCH_FIELDS_CACHE_SECONDS", 0)
    _page, third = _statements(app, province_client, "/submissionview/list/")
    assert _picker(third)  # off: rendered every time


def _menu(html: str) -> str:
    return html[html.index('<nav class="shell-nav"'):html.index("</nav>")]


def test_the_menu_is_kept_per_role_and_language(app, province_client, county_client,
                                                 enterprise_client):
    """Rendered once per role set and language: each role still sees only its own entries,
    in its own language."""
    with app.app_context():
        rendered_fields.clear()
    province = _menu(province_client.get("/workbench/").get_data(as_text=True))
    county = _menu(county_client.get("/workbench/").get_data(as_text=True))
    enterprise = _menu(enterprise_client.get("/workbench/").get_data(as_text=True))
    assert "/projects/list/" in province and "/projects/list/" not in county
    assert "/review/list/" in county and "/review/list/" not in enterprise
    assert _menu(province_client.get("/workbench/").get_data(as_text=True)) == province  # kept
    province_client.get("/lang/en")
    english = _menu(province_client.get("/workbench/").get_data(as_text=True))
    assert english != province and "Reporting" in english and "/projects/list/" in english
    assert "Review" in english and "System" in english  # the sidebar's task groups
    assert _menu(county_client.get("/workbench/").get_data(as_text=True)) == county  # still Chinese
    province_client.get("/lang/zh")
