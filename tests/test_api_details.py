"""Detail rows through the third-party API (SPEC §12.1): arrays under ``details`` checked as the
upload's detail sheets are, stored with uids, counts derived; the GET gives them back."""

import pytest

from app.extensions import db
from app.models import Submission
from app.services.intake import activities
from tests.test_api import _new_key
from tests.test_batch import _records


@pytest.fixture(scope="module")
def details_activity(app):
    with app.app_context():
        return activities.create_activity("接口明细表测试", 2025, "county", open_now=True,
                                          detail_tables=["ip", "awards"]).id


@pytest.fixture(scope="module")
def headers(province_client_module):
    return {"Authorization": f"Bearer {_new_key(province_client_module, '明细接口', '210202')}"}


@pytest.fixture(scope="module")
def province_client_module(app):
    from tests.conftest import logged_in_client

    return logged_in_client(app, "province")


def _record(start, seed, **details):
    record = _records(1, start=start, bad_every=0, seed=seed)[0]
    for key in ("invention_patents", "ip_count", "municipal_awards", "provincial_awards"):
        record.pop(key, None)
    record["details"] = details
    return record


PATENT = {"ip_type": "发明专利", "number": "ZL202310123456.7", "title": "一种传感器",
          "grant_date": "2024-05-20"}
SOFTWARE = {"ip_type": "软件著作权", "number": "2023SR0012345", "title": "管理系统V1.0",
            "grant_date": "2023-01-10"}
AWARD = {"level": "省级", "name": "科学技术进步奖", "year": 2024}


def test_details_are_checked_stored_and_read_back(app, details_activity, headers):
    client = app.test_client()
    good = _record(98000, 31, ip=[PATENT, SOFTWARE], awards=[AWARD])
    body = client.post(f"/api/v1/records/{details_activity}", json={"records": [good]},
                       headers=headers).get_json()
    assert body["passed"] == 1, body
    assert body["results"][0]["detail_errors"] == []
    with app.app_context():
        stored = db.session.get(Submission, body["results"][0]["id"])
        assert (stored.invention_patents, stored.ip_count, stored.provincial_awards,
                stored.municipal_awards) == (1, 2, 1, 0)
        assert stored.provenance["ip_count"] == "details"
        assert [r["number"] for r in stored.details["ip"]] == [PATENT["number"],
                                                               SOFTWARE["number"]]
        assert all(len(r["uid"]) == 12 for r in stored.details["ip"])
    read = client.get(f"/api/v1/records/{details_activity}/{good['uscc']}", headers=headers)
    details = read.get_json()["records"][0]["details"]
    assert set(details["ip"][0]) == {"uid", "ip_type", "number", "title", "grant_date"}
    assert {k: v for k, v in details["ip"][0].items() if k != "uid"} == PATENT
    assert details["awards"] == [{"uid": details["awards"][0]["uid"], **AWARD}]


def test_bad_rows_and_contradicted_counts_fail_the_record(app, details_activity, headers):
    client = app.test_client()
    bad = _record(98100, 32, ip=[PATENT, {**PATENT, "title": "重复"},
                                 {**SOFTWARE, "grant_date": "2026-02-01"}],
                  awards=[{"level": "县级", "name": "奖", "year": 2024}])
    typed = _record(98101, 33, ip=[SOFTWARE])
    typed["ip_count"] = 3
    nothing = _record(98102, 34)
    nothing["details"] = None
    nothing["invention_patents"] = 2  # no rows give 0
    body = client.post(f"/api/v1/records/{details_activity}",
                       json={"records": [bad, typed, nothing]}, headers=headers).get_json()
    assert (body["passed"], body["failed"]) == (0, 3)
    first, second, third = body["results"]
    assert first["status"] == "failed" and {"D:ip", "D:awards"} <= set(first["errors"])
    assert [(e["table"], e["index"], e["column"]) for e in first["detail_errors"]] == [
        ("ip", 1, "number"), ("ip", 2, "grant_date"), ("awards", 0, "level")]
    assert any("知识产权明细第 2 行" in m and "与第 1 行重复" in m for m in first["messages"])
    assert second["detail_errors"][0]["index"] is None
    assert second["detail_errors"][0]["column"] == "ip_count"
    assert "知识产权拥有数量" in second["detail_errors"][0]["message"]
    assert third["errors"] == ["D:ip"] and third["detail_errors"][0]["column"] == \
        "invention_patents"
    with app.app_context():
        assert db.session.query(Submission).filter(
            Submission.uscc.in_([bad["uscc"], typed["uscc"]])).count() == 0


def test_details_that_are_not_arrays_are_refused(app, details_activity, headers):
    client = app.test_client()
    for details in ("ZL1", {"ip": {"ip_type": "发明专利"}}, {"ip": ["x"]}):
        record = _record(98200, 35)
        record["details"] = details
        response = client.post(f"/api/v1/records/{details_activity}", json=record,
                               headers=headers)
        assert response.status_code == 400, details
        assert "details" in response.get_json()["message"]


def test_activities_without_tables_ignore_details(app, headers):
    with app.app_context():
        plain = activities.create_activity("接口无明细表", 2025, "county", open_now=True).id
    record = _records(1, start=98300, bad_every=0, seed=36)[0]
    record["details"] = {"ip": [PATENT]}
    body = app.test_client().post(f"/api/v1/records/{plain}", json=record,
                                  headers=headers).get_json()
    assert body["passed"] == 1 and "detail_errors" not in body["results"][0]
    with app.app_context():
        assert db.session.get(Submission, body["results"][0]["id"]).details is None


def test_openapi_describes_the_details(app, headers):
    spec = app.test_client().get("/api/v1/_openapi", headers=headers).get_json()
    schema = spec["components"]["schemas"]["RecordDetails"]
    assert set(schema["properties"]) == {"ip", "projects", "awards", "talents", "platforms",
                                         "standards"}
    ip = schema["properties"]["ip"]["items"]
    assert ip["required"] == ["ip_type", "number", "title", "grant_date"]
    assert "发明专利" in ip["properties"]["ip_type"]["enum"]
    post = spec["paths"]["/api/v1/records/{activity_id}"]["post"]
    assert "RecordDetails" in str(post["requestBody"])
    assert "detail_errors" in str(post["responses"])


@pytest.mark.parametrize("method", ["core", "executemany", None])  # None: COPY on PostgreSQL
def test_every_storage_path_stores_the_same_rows(app, method, monkeypatch):
    from app.services.intake import batch as batch_service
    from app.services.platform import bulk

    monkeypatch.setattr(bulk, "forced_method", method)
    with app.app_context():
        activity = activities.create_activity(f"明细存储 {method}", 2025, "county",
                                              open_now=True, detail_tables=["ip", "awards"])
        user = app.appbuilder.sm.find_user(username="county_reviewer")
        records = [_record(98400 + i, 40 + i, ip=[PATENT, SOFTWARE][:i % 3], awards=[AWARD])
                   for i in range(6)]
        batch, ids = batch_service.import_records(activity, user, "API test", records)
        assert batch.passed == 6, batch.failures
        stored = [db.session.get(Submission, ids[n]) for n in range(1, 7)]
        assert [s.ip_count for s in stored] == [0, 1, 2, 0, 1, 2]
        assert [[{k: v for k, v in r.items() if k != "uid"} for r in s.details["ip"]]
                for s in stored][2] == [PATENT, SOFTWARE]
        assert all(s.provenance["invention_patents"] == "details" for s in stored)
