"""公示, 异议, 公告, 入库登记 and 撤销 through the operator commands and the public portal
(SPEC §11, §12.3)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Notice, PublicityEntry, Registration, Submission
from app.services.intake import activities
from tests.test_batch import _file, _records


def _invoke(app, *args):
    return app.test_cli_runner().invoke(args=[str(a) for a in args])


def _json(app, *args):
    result = _invoke(app, *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def approved(app, tmp_path_factory):
    """An activity with five records approved (uploaded by the province), one county each."""
    with app.app_context():
        activity_id = activities.create_activity("公示测试活动", 2025, "county",
                                                 open_now=True).id
    records = _records(5, start=96100, bad_every=0, seed=41)
    path = tmp_path_factory.mktemp("publicity") / "省级上传.xlsx"
    path.write_bytes(_file(app, activity_id, records))
    result = _json(app, "batch", "import", path, "--activity", activity_id, "--user",
                   "province_admin", "--json")
    assert result["passed"] == 5
    with app.app_context():
        statuses = set(db.session.execute(select(Submission.status).where(
            Submission.activity_id == activity_id)).scalars())
    assert statuses == {"approved"}
    return activity_id, [r["uscc"] for r in records]


def test_the_whole_publicity_cycle(app, approved):
    client = app.test_client()
    activity_id, usccs = approved
    created = _json(app, "publicity", "create", "--activity", activity_id,
                    *[a for u in usccs[:4] for a in ("--uscc", u)], "--json")
    assert created["count"] == 4
    # Records already on a batch are not listed twice.
    again = _invoke(app, "publicity", "create", "--activity", activity_id, "--uscc", usccs[0])
    assert again.exit_code != 0 and "No" in again.output or "没有" in again.output
    # A draft takes no objection and is not public.
    draft = _invoke(app, "objections", "add", "--batch", created["batch"], "--uscc", usccs[0],
                    "--reason", "数据不实")
    assert draft.exit_code != 0
    assert client.get(f"/public/publicity/{created['batch']}").status_code == 404

    published = _json(app, "publicity", "publish", "--batch", created["batch"], "--json")
    starts, ends = (dt.date.fromisoformat(published[k]) for k in ("starts", "ends"))
    assert starts == dt.date.today() and ends >= starts + dt.timedelta(days=4)
    assert published["number"]
    # Published: immutable.
    assert _invoke(app, "publicity", "publish", "--batch", created["batch"]).exit_code != 0

    page = client.get(f"/public/publicity/{created['batch']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and usccs[0] in html and published["number"] in html
    for private in ("revenue", "contact_phone", "万元"):
        assert private not in html
    assert client.get(f"/public/publicity/{created['batch']}",
                      headers={"If-None-Match": page.headers["ETag"]}).status_code == 304
    searched = client.get(f"/public/publicity/{created['batch']}?q={usccs[1]}")
    assert usccs[1] in searched.get_data(as_text=True)
    assert usccs[0] not in searched.get_data(as_text=True)

    stranger = _invoke(app, "objections", "add", "--batch", created["batch"], "--uscc",
                       usccs[4], "--reason", "不在名单")
    assert stranger.exit_code != 0 and "not listed" in stranger.output
    upheld = _json(app, "objections", "add", "--batch", created["batch"], "--uscc",
                   usccs[0], "--reason", "<script>alert(1)</script>研发人员造假",
                   "--name", "张三", "--json")
    rejected = _json(app, "objections", "add", "--batch", created["batch"], "--uscc",
                     usccs[1], "--reason", "怀疑数据不实", "--json")
    assert re.fullmatch(r"[A-Z2-9]{10}", upheld["code"])
    # Only the province decides.
    refused = _invoke(app, "objections", "decide", "--id", upheld["objection"], "--upheld",
                      "--reason", "核实", "--user", "county_reviewer")
    assert refused.exit_code != 0 and "province" in refused.output
    # The period is not over: no 公告 yet, and open objections block it.
    early = _invoke(app, "publicity", "close", "--batch", created["batch"], "--as-of",
                    ends.isoformat())
    assert early.exit_code != 0
    assert _invoke(app, "objections", "decide", "--id", upheld["objection"], "--upheld",
                   "--reason", "经核实研发人员数据不实", "--user", "province_admin").exit_code == 0
    assert _invoke(app, "objections", "decide", "--id", rejected["objection"], "--not-upheld",
                   "--reason", "经核实数据属实", "--user", "province_admin").exit_code == 0
    outcome = client.get(f"/public/objection?code={upheld['code']}").get_data(as_text=True)
    assert "成立" in outcome and "<script>" not in outcome

    closed = _json(app, "publicity", "close", "--batch", created["batch"], "--as-of",
                   (ends + dt.timedelta(days=1)).isoformat(), "--json")
    assert (closed["announced"], closed["withdrawn"]) == (3, 1)
    assert set(closed["registrations"]) == set(usccs[1:4])
    year = (ends + dt.timedelta(days=1)).year
    for uscc, number in closed["registrations"].items():
        county = next(r for r in _records(5, start=96100, bad_every=0, seed=41)
                      if r["uscc"] == uscc)["region_code"]
        assert re.fullmatch(rf"{year}{county}\d{{6}}", number), number
    assert len(set(closed["registrations"].values())) == 3
    late = _invoke(app, "objections", "add", "--batch", created["batch"], "--uscc", usccs[1],
                   "--reason", "迟到的异议")
    assert late.exit_code != 0 and "over" in late.output
    with app.app_context():
        withdrawn = db.session.execute(select(PublicityEntry).where(
            PublicityEntry.uscc == usccs[0])).scalar_one()
        assert withdrawn.status == "withdrawn"
        assert withdrawn.submission.status == "returned"
    listed = client.get(f"/public/publicity/{created['batch']}").get_data(as_text=True)
    assert usccs[0] not in listed and usccs[1] in listed

    # A correction is a new batch naming the one it corrects; without a note it is refused.
    bare = _invoke(app, "publicity", "create", "--activity", activity_id, "--uscc", usccs[1],
                   "--corrects", created["batch"])
    assert bare.exit_code != 0
    correction = _json(app, "publicity", "create", "--activity", activity_id, "--uscc",
                       usccs[1], "--corrects", created["batch"], "--note",
                       "更正企业名称", "--json")
    with app.app_context():
        from app.models import PublicityBatch

        made = db.session.get(PublicityBatch, correction["batch"])
        assert made.corrects_id == created["batch"] and made.note == "更正企业名称"
        assert made.status == "draft"

    number = closed["registrations"][usccs[1]]
    assert _invoke(app, "registrations", "revoke", "--number", number, "--reason",
                   "抽查发现不符合条件", "--user", "county_reviewer").exit_code != 0
    revoked = _invoke(app, "registrations", "revoke", "--number", number, "--reason",
                      "抽查发现不符合条件", "--user", "province_admin")
    assert revoked.exit_code == 0, revoked.output
    with app.app_context():
        assert db.session.execute(select(Registration.status).where(
            Registration.number == number)).scalar() == "revoked"
        notice = db.session.execute(select(Notice).where(Notice.kind == "revocation")
                                    ).scalars().all()[-1]
    assert usccs[1] in client.get(f"/public/notice/{notice.id}").get_data(as_text=True)
    status = client.get(f"/public/status?uscc={usccs[1]}").get_data(as_text=True)
    assert number in status and "已撤销" in status and "revenue" not in status


def test_a_revoked_enterprise_fails_s9_in_the_same_data_year(app, approved, tmp_path):
    activity_id, usccs = approved
    with app.app_context():
        revoked = db.session.execute(select(Registration).where(
            Registration.status == "revoked")).scalars().first()
        if revoked is None:
            pytest.skip("runs after the cycle test")
        revoked_uscc = revoked.uscc
        again = activities.create_activity("同年度第二次评价", 2025, "county", open_now=True).id
    records = [r for r in _records(5, start=96100, bad_every=0, seed=41)
               if r["uscc"] == revoked_uscc]
    path = tmp_path / "再次上传.xlsx"
    path.write_bytes(_file(app, again, records))
    result = _json(app, "batch", "import", path, "--activity", again, "--user",
                   "province_admin", "--json")
    (row,) = result["rows"]
    assert row["status"] == "failed" and "S9" in row["errors"]


def _published_batch(app, usccs, activity_id):
    from app.services.publicity import batches

    with app.app_context():
        admin = app.appbuilder.sm.find_user(username="province_admin")
        batch = batches.create(activity_id, admin, usccs=usccs)
        batches.publish(batch.id, admin)
        return batch.id


def test_a_flood_from_one_address_is_throttled_and_nothing_before_it_lost(app, tmp_path):
    from app.domain.publicity import PublicityError
    from app.models import Objection
    from app.services.publicity import objections

    with app.app_context():
        activity_id = activities.create_activity("异议限流测试", 2025, "county",
                                                 open_now=True).id
    records = _records(2, start=96300, bad_every=0, seed=43)
    path = tmp_path / "限流.xlsx"
    path.write_bytes(_file(app, activity_id, records))
    _json(app, "batch", "import", path, "--activity", activity_id, "--user", "province_admin",
          "--json")
    batch_id = _published_batch(app, [r["uscc"] for r in records], activity_id)
    app.config["OBJECTIONS_PER_HOUR"] = 2
    try:
        with app.app_context():
            for n in range(2):
                objections.lodge(batch_id, records[n]["uscc"], f"理由{n}", ip="10.9.9.9")
            with pytest.raises(PublicityError, match="an hour"):
                objections.lodge(batch_id, records[0]["uscc"], "第三件", ip="10.9.9.9")
            objections.lodge(batch_id, records[0]["uscc"], "另一地址", ip="10.9.9.10")
            kept = db.session.execute(select(Objection.reason).where(
                Objection.batch_id == batch_id)).scalars().all()
            assert sorted(kept) == ["另一地址", "理由0", "理由1"]
        # The public form says so too, and keeps what was typed.
        client = app.test_client()
        form = client.get(f"/public/publicity/{batch_id}/object").get_data(as_text=True)
        from tests.conftest import csrf_token_of

        token = csrf_token_of(form)
        answers = [client.post(f"/public/publicity/{batch_id}/object", data={
            "csrf_token": token, "uscc": records[1]["uscc"], "reason": f"网页异议{n}"},
            environ_base={"REMOTE_ADDR": "10.9.9.11"}).get_data(as_text=True)
            for n in range(3)]
        assert "objection-code" in answers[0] and "objection-code" in answers[1]
        assert "一小时内最多" in answers[2] and "网页异议2" in answers[2]
    finally:
        app.config["OBJECTIONS_PER_HOUR"] = 10


@pytest.mark.postgres
def test_registration_numbers_stay_unique_under_two_announcements_at_once(app, tmp_path):
    """Two batches of one county announced at the same moment by two processes' worth of
    connections: every number is unique, none lost."""
    import threading

    from app.services.publicity import batches

    with app.app_context():
        activity_id = activities.create_activity("并发公告测试", 2025, "county",
                                                 open_now=True).id
    records = _records(8, start=96400, bad_every=0, seed=44)
    path = tmp_path / "并发.xlsx"
    path.write_bytes(_file(app, activity_id, records))
    _json(app, "batch", "import", path, "--activity", activity_id, "--user", "province_admin",
          "--json")
    first = _published_batch(app, [r["uscc"] for r in records[:4]], activity_id)
    second = _published_batch(app, [r["uscc"] for r in records[4:]], activity_id)
    later = dt.date.today() + dt.timedelta(days=30)
    results, errors = {}, []

    def close(batch_id):
        try:
            with app.app_context():
                admin = app.appbuilder.sm.find_user(username="province_admin")
                results[batch_id] = batches.close(batch_id, admin, as_of=later)
        except Exception as error:  # noqa: BLE001 — reported below
            errors.append(error)

    threads = [threading.Thread(target=close, args=(b,)) for b in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = [n for r in results.values() for n in r["registrations"].values()]
    assert len(numbers) == 8 and len(set(numbers)) == 8


def test_portal_pages_keep_no_script(app, province_client, county_client):
    from tests.conftest import csrf_token_of

    form = province_client.get("/notices/write").get_data(as_text=True)
    assert "vendor/quill/quill.js" in form
    body = ('<p onclick="steal()">关于开展2026年创新积分评价的通知<script>alert(1)</script>'
            '<a href="javascript:alert(2)">附件</a><img src=x onerror=alert(3)>'
            '<a href="https://kjt.ln.gov.cn/">科技厅</a></p>')
    saved = province_client.post("/notices/write", data={
        "csrf_token": csrf_token_of(form), "kind": "notice", "title": "创新积分评价通知",
        "body": body, "do": "publish"})
    assert saved.status_code == 302
    with app.app_context():
        notice = db.session.execute(select(Notice).where(
            Notice.title == "创新积分评价通知")).scalar_one()
        stored, pk = notice.body_html, notice.id
    for bad in ("script", "onclick", "onerror", "javascript:", "<img"):
        assert bad not in stored
    assert 'href="https://kjt.ln.gov.cn/"' in stored and "关于开展" in stored
    public = app.test_client().get(f"/public/notice/{pk}").get_data(as_text=True)
    assert "关于开展2026年创新积分评价的通知" in public and "alert(1)" not in public
    assert "创新积分评价通知" in app.test_client().get("/").get_data(as_text=True)
    # Only the province writes pages.
    assert county_client.get("/notices/write").status_code in (302, 403)


def test_a_registration_has_its_certificate(app, approved, province_client, bank_client):
    with app.app_context():
        registration = db.session.execute(select(Registration).order_by(
            Registration.id)).scalars().first()
        if registration is None:
            pytest.skip("runs after the cycle test")
        pk, number = registration.id, registration.number
    page = province_client.get(f"/registrations/show/{pk}").get_data(as_text=True)
    assert number in page and f"/registrations/certificate/{pk}" in page
    pdf = province_client.get(f"/registrations/certificate/{pk}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert bank_client.get(f"/registrations/certificate/{pk}").status_code in (403, 404)


def test_an_objection_may_bring_a_file_judged_like_every_evidence_file(app, tmp_path):
    import io

    from app.models import Objection
    from tests.conftest import csrf_token_of

    with app.app_context():
        activity_id = activities.create_activity("异议附件测试", 2025, "county",
                                                 open_now=True).id
    records = _records(1, start=96500, bad_every=0, seed=45)
    path = tmp_path / "附件.xlsx"
    path.write_bytes(_file(app, activity_id, records))
    _json(app, "batch", "import", path, "--activity", activity_id, "--user", "province_admin",
          "--json")
    batch_id = _published_batch(app, [records[0]["uscc"]], activity_id)
    client = app.test_client()
    url = f"/public/publicity/{batch_id}/object"
    token = csrf_token_of(client.get(url).get_data(as_text=True))
    refused = client.post(url, data={
        "csrf_token": token, "uscc": records[0]["uscc"], "reason": "附件伪装",
        "evidence": (io.BytesIO(b"<html><script>x</script></html>"), "证明.pdf")},
        content_type="multipart/form-data").get_data(as_text=True)
    assert "PDF、JPG、PNG 或 OFD" in refused and "附件伪装" in refused
    with app.app_context():
        assert db.session.execute(select(Objection).where(
            Objection.batch_id == batch_id)).first() is None
    accepted = client.post(url, data={
        "csrf_token": token, "uscc": records[0]["uscc"], "reason": "附有证明",
        "evidence": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "证明.pdf")},
        content_type="multipart/form-data").get_data(as_text=True)
    assert "objection-code" in accepted
    with app.app_context():
        kept = db.session.execute(select(Objection).where(
            Objection.batch_id == batch_id)).scalar_one()
        assert kept.evidence_name == "证明.pdf" and kept.evidence_key
    # The cleanup of orphan evidence files leaves an objection's file alone.
    _json(app, "attachments", "cleanup", "--json")
    with app.app_context():
        from pathlib import Path

        key = db.session.execute(select(Objection.evidence_key).where(
            Objection.batch_id == batch_id)).scalar()
    assert (Path(app.config["UPLOAD_FOLDER"]) / "evidence" / key).exists()


def test_a_published_batch_cannot_be_changed_by_a_crafted_post(app, province_client):
    from app.models import PublicityBatch
    from tests.conftest import csrf_token_of

    with app.app_context():
        batch = db.session.execute(select(PublicityBatch).where(
            PublicityBatch.status != "draft")).scalars().first()
        if batch is None:
            pytest.skip("runs after the cycle test")
        pk, number, entries = batch.id, batch.number, len(batch.entries)
    token = csrf_token_of(province_client.get("/publicity/list/").get_data(as_text=True))
    for url in (f"/publicity/edit/{pk}", f"/publicity/delete/{pk}", f"/publicity/publish/{pk}"):
        province_client.post(url, data={"csrf_token": token, "number": "改号",
                                        "title": "篡改"})
    with app.app_context():
        again = db.session.get(PublicityBatch, pk)
        assert again.number == number and again.title != "篡改"
        assert len(again.entries) == entries
