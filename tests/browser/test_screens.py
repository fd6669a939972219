"""Every role's main screens at 1280, 1440 and 1920 px: a screenshot of each is kept in
test-artifacts/screens/ (CI keeps the folder), and each must have no horizontal scrolling, a
<title> of its own, no "None", no stored code where a name exists, and no console error."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (
    AppUser,
    RecommendationEntry,
    RecommendationList,
    ReportingActivity,
    ScoreResult,
    Submission,
)
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_sign_in import sign_in

WIDTHS = (1280, 1440, 1920)
SCREENS = ARTIFACTS / "screens"
WORD = re.compile(r"[A-Za-z_]+")


def _stored_codes() -> set[str]:
    from tests.test_i18n_pages import _stored_codes as codes

    # Words that are also plain English never appear on a Chinese page anyway; these are
    # the codes as the database keeps them.
    return {c for c in codes() if "_" in c or c.islower()}


def _pages(app, role: str) -> dict[str, str]:
    """name → address of the workbench, a list, a form, a review page, a score breakdown
    and the dashboard, as far as the role has them."""
    with app.app_context():
        activity = db.session.execute(select(ReportingActivity.id).order_by(
            ReportingActivity.id)).scalars().first()
        pending = db.session.execute(select(Submission.id).where(
            Submission.status.in_(("pending_county", "pending_city", "pending_province")),
            Submission.region_code.like("210202%")).order_by(Submission.id)).scalars().first()
        result = db.session.execute(select(ScoreResult.id).where(
            ScoreResult.region_code.like("210202%")).order_by(ScoreResult.id)).scalars().first()
        bank = db.session.execute(select(AppUser.bank_id).where(
            AppUser.username == "bank_user")).scalar()
        entry = db.session.execute(select(RecommendationEntry.id).join(RecommendationList).where(
            RecommendationEntry.bank_id == bank, RecommendationList.status == "published")
            .order_by(RecommendationEntry.id)).scalars().first()
    bureau = {"workbench": "/workbench/", "list": "/submissionview/list/",
              "review": f"/review/show/{pending}", "breakdown": f"/scores/show/{result}",
              "dashboard": "/dashboard/"}
    return {
        "admin": {**bureau, "form": "/activityview/add"},
        "province_admin": {**bureau, "form": "/activityview/add"},
        "city_reviewer": {**bureau, "form": f"/batchview/upload/{activity}"},
        "county_reviewer": {**bureau, "form": f"/batchview/upload/{activity}"},
        "enterprise_user": {"workbench": "/workbench/", "list": "/submissionview/list/",
                            "form": f"/portal/activity/{activity}",
                            "breakdown": "/myscore/"},
        "bank_user": {"workbench": "/workbench/", "list": "/recommended/list/",
                      "form": f"/recommended/outcome/{entry}", "dashboard": "/dashboard/"},
    }[role]


@pytest.mark.parametrize("role", ["admin", "province_admin", "city_reviewer", "county_reviewer",
                                  "enterprise_user", "bank_user"])
def test_main_screens_at_three_widths(app, browser, live_server, role):
    SCREENS.mkdir(parents=True, exist_ok=True)
    codes = _stored_codes()
    pages = _pages(app, role)
    problems: list[str] = []
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m, e=errors: e.append(m.text) if m.type == "error" else None)
        sign_in(page, live_server, role)
        titles: dict[str, str] = {}
        for name, path in pages.items():
            response = page.goto(f"{live_server}{path}")
            page.wait_for_load_state("networkidle")
            where = f"{role} {width}px {name} ({path})"
            if response is None or response.status != 200:
                problems.append(f"{where}: status {response.status if response else '—'}")
                continue
            page.screenshot(path=str(SCREENS / f"{role}-{width}-{name}.png"), full_page=False)
            scroll, client = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            if scroll > client:
                problems.append(f"{where}: scrolls sideways ({scroll} > {client} px)")
            title = page.title()
            if title in titles.values() and path not in titles:
                problems.append(f"{where}: the same <title> as another page: {title}")
            titles[path] = title
            text = page.inner_text("body")
            if re.search(r"\bNone\b", text):
                problems.append(f"{where}: shows 'None'")
            shown = set(WORD.findall(text)) & codes
            if shown:
                problems.append(f"{where}: shows stored codes {sorted(shown)}")
        if errors:
            problems.append(f"{role} {width}px: console errors {errors}")
        context.close()
    assert problems == []
    assert len(list(SCREENS.glob(f"{role}-*.png"))) == len(WIDTHS) * len(pages)


def test_screens_folder_is_where_ci_keeps_it():
    assert SCREENS == Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"
