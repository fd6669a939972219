"""Supervision after registration (SPEC §12.3): reproducible spot checks as tasks for each
area's reviewers, the 异常名单 with published notices, and the 诚信档案."""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Anomaly, Notice, SpotCheck, SpotCheckTask
from app.services.intake import activities
from tests.conftest import csrf_token_of
from tests.test_batch import _file, _records


@pytest.fixture(scope="module")
def registered(app, tmp_path_factory):
    """Eight registered enterprises, four in 中山区 (210202) and four in 沈河区 (210103)."""
    from app.services.publicity import batches

    with app.app_context():
        activity_id = activities.create_activity("抽查测试活动", 2025, "county",
                                                 open_now=True).id
    records = (_records(4, county="210202", start=96600, bad_every=0, seed=51)
               + _records(4, county="210103", start=96700, bad_every=0, seed=52))
    path = tmp_path_factory.mktemp("supervision") / "入库.xlsx"
    path.write_bytes(_file(app, activity_id, records))
    result = app.test_cli_runner().invoke(args=[
        "batch", "import", str(path), "--activity", str(activity_id), "--user",
        "province_admin", "--json"])
    assert json.loads(result.output.strip().splitlines()[-1])["passed"] == 8
    with app.app_context():
        admin = app.appbuilder.sm.find_user(username="province_admin")
        batch = batches.create(activity_id, admin, usccs=[r["uscc"] for r in records])
        batches.publish(batch.id, admin)
        closed = batches.close(batch.id, admin, as_of=dt.date.today() + dt.timedelta(days=30))
    return closed["registrations"]


def test_a_spot_check_is_reproducible_and_split_by_county(app, registered):
    from app.services.publicity import supervision

    with app.app_context():
        admin = app.appbuilder.sm.find_user(username="province_admin")
        first = supervision.draw(admin, 0.5, "21", seed=2026)
        drawn = sorted(t.uscc for t in first.tasks if t.uscc in registered)
        again = supervision.draw(admin, 0.5, "21", seed=2026)
        assert sorted(t.uscc for t in again.tasks if t.uscc in registered) == drawn
        ours = [t for t in first.tasks if t.uscc in registered]
        assert {t.region_code for t in ours} == {"210202", "210103"}
        # Half of each county's registered enterprises (other tests register some too).
        from app.models import Registration

        for county in ("210202", "210103"):
            held = db.session.execute(select(func.count()).select_from(Registration).where(
                Registration.region_code == county, Registration.status == "active")).scalar()
            assert sum(t.region_code == county for t in first.tasks) == math.ceil(held * 0.5)
        assert db.session.get(SpotCheck, first.id).seed == 2026


def test_reviewers_see_and_check_only_their_area(app, registered, county_client,
                                                 province_client, bank_client):
    with app.app_context():
        tasks = db.session.execute(select(SpotCheckTask).where(
            SpotCheckTask.uscc.in_(list(registered)))).scalars().all()
        mine = next(t for t in tasks if t.region_code == "210202")
        other = next(t for t in tasks if t.region_code == "210103")
        mine_id, other_id = mine.id, other.id
    listed = county_client.get("/spotchecks/list/?psize_SpotCheckTaskView=100").get_data(
        as_text=True)
    assert mine.uscc in listed and other.uscc not in listed
    page = county_client.get(f"/spotchecks/show/{mine_id}").get_data(as_text=True)
    assert county_client.get(f"/spotchecks/show/{other_id}").status_code == 404
    county_client.post(f"/spotchecks/finding/{mine_id}", data={
        "csrf_token": csrf_token_of(page), "finding": "现场核查研发场地与人员，情况属实",
        "problem": ""})
    with app.app_context():
        done = db.session.get(SpotCheckTask, mine_id)
        assert done.status == "done" and done.problem is False and done.done_by
    assert county_client.post(f"/spotchecks/finding/{other_id}", data={
        "csrf_token": csrf_token_of(page), "finding": "x"}).status_code == 404
    assert bank_client.get("/spotchecks/list/").status_code in (302, 403)
    # Only the province draws.
    assert county_client.get("/spotchecks/draw").status_code in (302, 403)
    draw_page = province_client.get("/spotchecks/draw").get_data(as_text=True)
    response = province_client.post("/spotchecks/draw", data={
        "csrf_token": csrf_token_of(draw_page), "share": "25", "seed": "7", "region": "2102"})
    assert response.status_code == 302


def test_the_anomaly_list_and_the_integrity_record(app, registered, province_client,
                                                   county_client):
    uscc = next(u for u in registered if u[2:8] == "210202")
    form = province_client.get("/anomalies/put").get_data(as_text=True)
    province_client.post("/anomalies/put", data={
        "csrf_token": csrf_token_of(form), "uscc": uscc, "reason": "未按期报送年度数据",
        "source": "2026 年第 1 次抽查"})
    again = province_client.post("/anomalies/put", data={
        "csrf_token": csrf_token_of(form), "uscc": uscc, "reason": "重复", "source": "x"},
        follow_redirects=True).get_data(as_text=True)
    assert "已在异常名单中" in again
    with app.app_context():
        anomaly = db.session.execute(select(Anomaly).where(Anomaly.uscc == uscc)).scalar_one()
        anomaly_id, enterprise_id = anomaly.id, anomaly.enterprise_id
        listed = db.session.execute(select(Notice).where(
            Notice.kind == "anomaly", Notice.title.contains("列入"))).scalars().all()
        assert listed and all(n.published_at for n in listed)
    remove = province_client.get(f"/anomalies/takeoff/{anomaly_id}").get_data(as_text=True)
    province_client.post(f"/anomalies/takeoff/{anomaly_id}", data={
        "csrf_token": csrf_token_of(remove), "reason": "已补报并经核实"})
    with app.app_context():
        kept = db.session.get(Anomaly, anomaly_id)  # taken off, never deleted
        assert kept.removed_at and kept.removed_reason == "已补报并经核实"
    record = county_client.get(f"/integrity/{enterprise_id}").get_data(as_text=True)
    for text in ("列入异常名单", "移出异常名单", "入库登记"):
        assert text in record
    # Outside the area: not found.
    other = next(u for u in registered if u[2:8] == "210103")
    with app.app_context():
        from app.models import Enterprise

        other_id = db.session.execute(select(Enterprise.id).where(
            Enterprise.uscc == other)).scalar()
    assert county_client.get(f"/integrity/{other_id}").status_code == 404
