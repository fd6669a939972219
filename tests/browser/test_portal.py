"""The public portal in a browser (issue 20): a visitor finds a 公示 list from the home page,
searches it, lodges an objection and keeps its code; the page is wide enough at 1280 px and
the browser reports no error."""

from __future__ import annotations

from app.extensions import db
from app.services.intake import activities
from tests.browser.conftest import ARTIFACTS
from tests.test_batch import _file, _records

SCREENS = ARTIFACTS / "screens"  # kept by CI; README's portal screenshots come from here


def test_a_visitor_searches_a_list_and_objects(app, page, live_server):
    from app.services.intake import batch as batch_service
    from app.services.publicity import batches

    with app.app_context():
        activity = activities.create_activity("门户浏览器测试", 2025, "county", open_now=True)
        records = _records(3, start=96800, bad_every=0, seed=61)
        admin = app.appbuilder.sm.find_user(username="province_admin")
        from flask import g

        with app.test_request_context():
            g.user = admin
            batch_service.import_workbook(activity, admin, "门户.xlsx",
                                          _file(app, activity.id, records))
        created = batches.create(activity.id, admin, usccs=[r["uscc"] for r in records],
                                 title="门户浏览器测试公示")
        batches.publish(created.id, admin)
        db.session.commit()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server}/")
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / "portal-home.png"), full_page=False)
    page.click("#portal-publicity >> text=门户浏览器测试公示")
    page.wait_for_selector("#publicity-list")
    assert page.locator("#publicity-list tbody tr").count() == 3
    page.screenshot(path=str(SCREENS / "portal-publicity.png"), full_page=False)
    page.fill("input[name=q]", records[1]["uscc"])
    page.click(".portal-search button[type=submit]")
    page.wait_for_load_state("load")
    assert page.locator("#publicity-list tbody tr").count() == 1
    page.click("#publicity-list a.btn")
    page.fill("#reason", "研发费用与实际不符")
    page.click("#lodge")
    page.wait_for_selector("#objection-code")
    code = page.inner_text("#objection-code")
    page.goto(f"{live_server}/public/objection?code={code}")
    assert "待受理" in page.inner_text("#objection-state")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280 and page.console_errors == []
