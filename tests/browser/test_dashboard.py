"""Each official's dashboard draws its charts without console errors; the drill-down works."""

import pytest

from app.extensions import db
from app.models import ReportingActivity
from app.services.demo import DEMO_ACTIVITY
from tests.browser.test_sign_in import sign_in

CHARTS = ("progress", "funnel", "warnings", "tech_field", "scale", "qualifications",
          "financing", "histogram", "stages", "grades")


@pytest.fixture
def demo_activity(app):
    with app.app_context():
        return db.session.query(ReportingActivity).filter_by(name=DEMO_ACTIVITY).one().id


@pytest.mark.parametrize("username", ["province_admin", "city_reviewer", "county_reviewer"])
def test_official_dashboard_draws_every_chart(page, live_server, demo_activity, username):
    sign_in(page, live_server, username)
    page.goto(f"{live_server}/dashboard/?activity={demo_activity}")
    page.wait_for_selector("#chart-progress canvas", timeout=10000)
    for key in CHARTS:
        assert page.locator(f"#chart-{key} canvas").count() == 1, key
    assert page.locator("#export-progress").count() == 1
    assert page.console_errors == []


def test_province_drills_down_to_a_city_and_a_bar_opens_its_list(page, live_server,
                                                                 demo_activity):
    sign_in(page, live_server, "province_admin")
    page.goto(f"{live_server}/dashboard/?activity={demo_activity}")
    page.click("#table-progress a:text('大连市')")
    page.wait_for_selector("#chart-progress canvas", timeout=10000)
    assert "region=2102" in page.url and "大连市" in page.inner_text("#trail")
    assert "中山区" in page.inner_text("#table-progress")
    # Near the start of the first funnel bar ("submitted"), asked of ECharts itself: bars
    # grow from the axis while they animate in.
    x, y = page.evaluate("""() => {
        const chart = echarts.getInstanceByDom(document.getElementById("chart-funnel"));
        const value = chart.getOption().series[0].data[0];
        return chart.convertToPixel({xAxisIndex: 0, yAxisIndex: 0}, [value / 10, 0]);
    }""")
    page.locator("#chart-funnel").scroll_into_view_if_needed()
    page.wait_for_timeout(1500)  # the entry animation
    box = page.locator("#chart-funnel").bounding_box()
    page.mouse.move(box["x"] + x, box["y"] + y)  # ECharts picks its target on hover
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_url("**/submissionview/list/**", timeout=10000)
    assert page.console_errors == []


def test_bank_dashboard_opens_without_errors(page, live_server):
    sign_in(page, live_server, "bank_user")
    page.goto(f"{live_server}/dashboard/")
    page.wait_for_selector("#table-bank", timeout=10000)
    assert page.console_errors == []
