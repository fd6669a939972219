"""Third-party data API: keys made by the province, scoped; same verdicts as uploads."""

import re

import pytest

from app.extensions import db
from app.services.intake import activities
from tests.conftest import post_form
from tests.test_batch import _file, _records, _upload, _wait_for_batch


def _new_key(province_client, name, region):
    html = post_form(province_client, "/apiclients/", data={"name": name, "region_code": region}
                     ).get_data(as_text=True)
    match = re.search(r'<pre id="new-key">(ipp_[^<]+)</pre>', html)
    assert match, "no key shown"
    return match.group(1)


@pytest.fixture(scope="module")
def api_activity(app):
    with app.app_context():
        return activities.create_activity("接口对接测试活动", 2025, "county", open_now=True).id


def test_records_through_the_api_get_the_uploads_verdicts(app, api_activity, province_client,
                                                          county_client):
    key = _new_key(province_client, "税务数据", "210202")
    records = _records(6, start=80000, bad_every=3, seed=9)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    response = client.post(f"/api/v1/records/{api_activity}", json={"records": records},
                           headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["passed"], body["failed"]) == (4, 2)
    results = body["results"]
    assert results[0]["status"] == "failed" and "S3" in results[0]["errors"]
    assert results[0]["id"] is None and results[1]["id"]
    assert any("研发人员" in m for m in results[0]["messages"])

    # The same records uploaded in a file (to another activity) get the same verdicts.
    with app.app_context():
        other = activities.create_activity("对照上传活动", 2025, "county", open_now=True).id
    batch_id = _wait_for_batch(county_client, _upload(county_client, other,
                                                      _file(app, other, records)))
    with app.app_context():
        from app.models import UploadBatch

        uploaded = db.session.get(UploadBatch, batch_id).verdicts
    for api_result, upload_verdict in zip(results, uploaded, strict=True):
        assert (api_result["status"], api_result["errors"], sorted(api_result["warnings"])) == (
            upload_verdict["status"], upload_verdict["errors"], sorted(upload_verdict["warnings"]))

    # One record alone, and reading its status back.
    single = _records(1, start=80100, bad_every=0, seed=10)[0]
    one = client.post(f"/api/v1/records/{api_activity}", json=single, headers=headers).get_json()
    assert one["passed"] == 1
    status = client.get(f"/api/v1/records/{api_activity}/{single['uscc']}", headers=headers)
    assert status.status_code == 200
    assert status.get_json()["records"][0]["status"] == "pending_city"
    assert status.get_json()["records"][0]["channel"] == "api"


def test_keys_are_scoped_and_revocable(app, api_activity, province_client):
    key = _new_key(province_client, "西岗区数据", "210203")
    headers = {"Authorization": f"Bearer {key}"}
    client = app.test_client()
    record = _records(1, county="210202", start=80200, bad_every=0)[0]
    body = client.post(f"/api/v1/records/{api_activity}", json=record, headers=headers).get_json()
    assert body["results"][0]["errors"] == ["SCOPE"]
    assert client.get(f"/api/v1/records/{api_activity}/{record['uscc']}",
                      headers=headers).status_code == 404
    with app.app_context():
        from app.models import AppUser

        user = db.session.query(AppUser).filter_by(first_name="西岗区数据").one()
        pk = user.id
    post_form(province_client, "/apiclients/", f"/apiclients/revoke/{pk}")
    assert client.post(f"/api/v1/records/{api_activity}", json=record,
                       headers=headers).status_code == 401


def test_bad_bodies_and_unknown_activities(app, api_activity, province_client):
    key = _new_key(province_client, "坏请求", "21")
    headers = {"Authorization": f"Bearer {key}"}
    client = app.test_client()
    assert client.post(f"/api/v1/records/{api_activity}", data="not json",
                       headers=headers).status_code == 400
    assert client.post(f"/api/v1/records/{api_activity}", json=[1, 2],
                       headers=headers).status_code == 400
    assert client.post("/api/v1/records/999999", json={}, headers=headers).status_code == 404


def test_openapi_spec_describes_the_api(app, province_client):
    key = _new_key(province_client, "文档读取", "21")
    spec = app.test_client().get("/api/v1/_openapi",
                                 headers={"Authorization": f"Bearer {key}"}).get_json()
    path = "/api/v1/records/{activity_id}"
    assert path in spec["paths"] and "post" in spec["paths"][path]
    assert "/api/v1/records/{activity_id}/{uscc}" in spec["paths"]


def test_only_the_province_manages_keys(client_as):
    for role in ("city", "county", "enterprise", "bank"):
        assert client_as(role).get("/apiclients/").status_code == 403
