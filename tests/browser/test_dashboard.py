"""Each official's dashboard draws its charts, tab by tab, without console errors and without
scrolling sideways at 1280 px; the drill-down works from the table, a chart and the map."""

import pytest

from app.extensions import db
from app.models import ReportingActivity
from app.services.demo import DEMO_ACTIVITY
from tests.browser.test_sign_in import sign_in

# The charts of each tab, in the order of the tabs.
TABS = {"progress": ("progress", "funnel", "statuses"),
        "review": ("workload", "warnings"),
        "distribution": ("tech_field", "scale", "qualifications"),
        "scores": ("histogram", "stages", "grades"),
        "finance": ("financing",)}
WIDTH = 1280


@pytest.fixture
def demo_activity(app):
    with app.app_context():
        return db.session.query(ReportingActivity).filter_by(name=DEMO_ACTIVITY).one().id


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def open_tab(page, tab):
    page.click(f"#tab-link-{tab}")
    page.wait_for_selector(f"#tab-{tab}.active #chart-{TABS[tab][0]} canvas", timeout=10000)


@pytest.mark.parametrize("username", ["province_admin", "city_reviewer", "county_reviewer"])
def test_official_dashboard_draws_every_chart(page, live_server, demo_activity, username):
    sign_in(page, live_server, username)
    page.goto(f"{live_server}/dashboard/?activity={demo_activity}")
    page.wait_for_selector("#chart-progress canvas", timeout=10000)
    assert page.locator("#kpis .kpi").count() == 6
    assert page.locator("#export-progress").count() == 1
    for tab, charts in TABS.items():
        open_tab(page, tab)
        for key in charts:
            assert page.locator(f"#tab-{tab} #chart-{key} canvas").count() == 1, key
            assert page.locator(f"#tab-{tab} #export-{key}").count() == 1, key
        assert no_sideways_scroll(page), tab
    assert page.console_errors == []


def test_a_chart_in_a_hidden_tab_fills_its_card_when_shown(page, live_server, demo_activity):
    sign_in(page, live_server, "province_admin")
    page.goto(f"{live_server}/dashboard/?activity={demo_activity}")
    page.wait_for_selector("#chart-progress canvas", timeout=10000)
    open_tab(page, "review")
    widths = page.evaluate("""() => {
        const box = document.getElementById("chart-warnings");
        return [box.clientWidth, echarts.getInstanceByDom(box).getWidth()];
    }""")
    assert widths[0] > 600 and widths[1] == widths[0]
    # Back to a tab drawn before, after the window changed size: fitted again.
    page.set_viewport_size({"width": 1500, "height": 800})
    open_tab(page, "progress")
    widths = page.evaluate("""() => {
        const box = document.getElementById("chart-funnel");
        return [box.clientWidth, echarts.getInstanceByDom(box).getWidth()];
    }""")
    assert widths[1] == widths[0]
    # The address names the tab, so a reload opens it again.
    open_tab(page, "finance")
    assert page.url.endswith("#tab-finance")
    page.reload()
    page.wait_for_selector("#tab-finance.active #chart-financing canvas", timeout=10000)
    assert page.console_errors == []


def test_province_drills_down_to_a_city_and_a_bar_opens_its_list(page, live_server,
                                                                 demo_activity):
    sign_in(page, live_server, "province_admin")
    page.goto(f"{live_server}/dashboard/?activity={demo_activity}")
    page.click("#table-progress a:text('大连市')")
    page.wait_for_selector("#chart-progress canvas", timeout=10000)
    assert "region=2102" in page.url and "大连市" in page.inner_text("#trail")
    assert "中山区" in page.inner_text("#table-progress")
    assert page.locator("#chart-map").count() == 0  # the map shows the province's cities
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


def test_the_province_map_colours_cities_and_a_click_opens_the_city(page, live_server,
                                                                    demo_activity):
    sign_in(page, live_server, "province_admin")
    page.goto(f"{live_server}/dashboard/?activity={demo_activity}")
    page.wait_for_selector("#chart-map canvas", timeout=10000)
    page.wait_for_function("""() => {
        const chart = echarts.getInstanceByDom(document.getElementById("chart-map"));
        return chart && chart.getOption() && chart.getOption().series
            && chart.getOption().series[0].type === "map";
    }""", timeout=10000)
    shown = page.evaluate("""() => {
        const chart = echarts.getInstanceByDom(document.getElementById("chart-map"));
        return chart.getOption().series[0].data.map(d => [d.name, d.value, d.region.link]);
    }""")
    table = page.evaluate("""() => Array.from(document.querySelectorAll(
        "#table-progress tbody tr")).filter(r => r.cells[0].querySelector("a")).map(r => [
        r.cells[0].querySelector("a").getAttribute("href"), r.cells[5].textContent.trim()])""")
    assert [link for _code, _value, link in shown] == [link for link, _share in table]
    assert [(f"{v:.1f}%" if v >= 0 else "—") for _c, v, _l in shown] == \
        [share for _link, share in table]
    # 大连市's centre, as the boundaries give it, turned into pixels by ECharts itself.
    page.wait_for_timeout(1000)  # the entry animation
    x, y = page.evaluate("""() => {
        const chart = echarts.getInstanceByDom(document.getElementById("chart-map"));
        return chart.convertToPixel({seriesIndex: 0}, [121.618622, 38.91459]);
    }""")
    box = page.locator("#chart-map").bounding_box()
    page.mouse.move(box["x"] + x, box["y"] + y)
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_url("**region=2102**", timeout=10000)
    assert "大连市" in page.inner_text("#trail")
    assert page.console_errors == []


def test_bank_dashboard_opens_without_errors(page, live_server):
    sign_in(page, live_server, "bank_user")
    page.goto(f"{live_server}/dashboard/")
    page.wait_for_selector("#table-bank", timeout=10000)
    assert page.locator("#bank-totals .kpi").count() >= 3
    assert no_sideways_scroll(page)
    assert page.console_errors == []
