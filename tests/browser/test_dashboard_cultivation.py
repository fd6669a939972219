"""The dashboard's 培育 tab in a browser: the pyramid (centred bars in the ladder's order), the
Sankey of the demo's confirmed moves and the stacked bars per region are drawn when the tab
is first shown, without console errors or sideways scrolling; the year selector reloads the
tab as a page."""

import pytest

from app.extensions import db
from app.models import ReportingActivity
from app.services.demo import DEMO_ACTIVITY
from tests.browser.test_dashboard import no_sideways_scroll
from tests.browser.test_sign_in import sign_in

CHARTS = ("pyramid", "flows", "pool_regions")


@pytest.fixture
def demo_activity(app):
    with app.app_context():
        return db.session.query(ReportingActivity).filter_by(name=DEMO_ACTIVITY).one().id


@pytest.mark.parametrize("username", ["province_admin", "county_reviewer"])
def test_the_cultivation_tab_draws_its_charts(page, live_server, demo_activity, username):
    sign_in(page, live_server, username)
    page.goto(f"{live_server}/dashboard/?activity={demo_activity}")
    page.wait_for_selector("#chart-progress canvas", timeout=10000)
    page.click("#tab-link-cultivation")
    for key in CHARTS:
        page.wait_for_selector(f"#tab-cultivation.active #chart-{key} canvas", timeout=10000)
    kinds = page.evaluate("""() => ["pyramid", "flows", "pool_regions"].map(key => {
        const chart = echarts.getInstanceByDom(document.getElementById("chart-" + key));
        return chart.getOption().series.map(s => s.type);
    })""")
    assert kinds[0] == ["bar", "bar"] and kinds[1] == ["sankey"] and set(kinds[2]) == {"bar"}
    # The top tier at the top of the pyramid (centred bars), as the table lists them bottom up.
    names = page.evaluate("""() => echarts.getInstanceByDom(document.getElementById(
        "chart-pyramid")).getOption().yAxis[0].data""")
    table = page.evaluate("""() => Array.from(document.querySelectorAll(
        "#table-pyramid tbody tr td:first-child")).map(td => td.textContent.trim())""")
    assert names == list(reversed(table))
    width = page.evaluate("document.getElementById('chart-flows').clientWidth")
    drawn = page.evaluate("""() => echarts.getInstanceByDom(
        document.getElementById("chart-flows")).getWidth()""")
    assert width > 200 and drawn == width  # drawn once shown, at its box's width
    assert no_sideways_scroll(page)
    assert page.console_errors == []


def test_the_year_selector_opens_the_tab_for_that_year(page, live_server, demo_activity):
    sign_in(page, live_server, "province_admin")
    page.goto(f"{live_server}/dashboard/?activity={demo_activity}#tab-cultivation")
    page.wait_for_selector("#tab-cultivation.active #flow-year", timeout=10000)
    year = page.eval_on_selector("#flow-year", "s => s.value")
    with page.expect_navigation():
        page.click("#year-filter button[type=submit]")
    assert "tab=cultivation" in page.url and f"year={year}" in page.url
    page.wait_for_selector("#tab-cultivation.active #chart-flows canvas", timeout=10000)
    assert page.console_errors == []
