"""Charts are drawn (a canvas in each chart) without console errors."""

import pytest

from app.extensions import db
from app.models import ScoreResult, ScoreRun
from tests.browser.test_sign_in import sign_in


def test_score_run_charts_render(app, page, live_server):
    with app.app_context():
        # The latest run with results (other tests add runs without any).
        run = db.session.query(ScoreRun).filter(ScoreRun.id.in_(
            db.session.query(ScoreResult.run_id))).order_by(ScoreRun.id.desc()).first()
        if run is None:
            pytest.skip("no score run in this database")  # the demo always has one
        run_id = run.id
    sign_in(page, live_server, "province_admin")
    page.goto(f"{live_server}/scoreruns/show/{run_id}")
    page.wait_for_selector("#chart-histogram canvas", timeout=10000)
    assert page.locator("#chart-by_city canvas").count() == 1
    assert page.console_errors == []
