"""The audit log: logins, field-level changes, exports; append-only; the screen."""

import io
import re
import uuid

import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from app.extensions import db
from app.models import AuditLog, Enterprise
from app.services.demo import demo_uscc
from tests.conftest import login, post_form


def _rows(app, **filters):
    with app.app_context():
        return db.session.query(AuditLog).filter_by(**filters).order_by(AuditLog.id).all()


def test_login_success_failure_and_logout_are_recorded(app):
    client = app.test_client()
    before = len(_rows(app, username="city_reviewer"))
    login(client, "city_reviewer", "Wrong#Pass1")
    login(client, "city_reviewer")
    client.get("/logout/")
    login(app.test_client(), "no_such_user_x", "Wrong#Pass1")
    actions = [r.action for r in _rows(app, username="city_reviewer")][before:]
    assert actions == ["login_failed", "login", "logout"]
    unknown = _rows(app, username="no_such_user_x")
    assert [r.action for r in unknown] == ["login_failed"]
    assert unknown[0].ip == "127.0.0.1"


def test_changes_are_recorded_field_by_field_with_who_and_ip(app, county_client):
    with app.app_context():
        enterprise = db.session.query(Enterprise).filter_by(uscc=demo_uscc("210202", 1)).one()
        pk, old_name = enterprise.id, enterprise.name
    response = post_form(county_client, f"/enterpriseview/edit/{pk}",
                         data={"name": old_name + "（改）", "uscc": demo_uscc("210202", 1),
                               "region": "210202"})
    assert response.status_code == 302
    post_form(county_client, f"/enterpriseview/edit/{pk}",
              data={"name": old_name, "uscc": demo_uscc("210202", 1), "region": "210202"})
    updates = _rows(app, action="update", object_type="Enterprise", object_id=str(pk))
    change = updates[-2]
    assert change.username == "county_reviewer" and change.ip == "127.0.0.1"
    assert change.changes == {"name": [old_name, old_name + "（改）"]}


def test_the_log_names_objects_and_fields_as_the_pages_do(app, county_client,
                                                           province_client):
    with app.app_context():
        enterprise = db.session.query(Enterprise).filter_by(uscc=demo_uscc("210202", 1)).one()
        pk, old_name = enterprise.id, enterprise.name
    for name in (old_name + "（核）", old_name):
        post_form(county_client, f"/enterpriseview/edit/{pk}",
                  data={"name": name, "uscc": demo_uscc("210202", 1), "region": "210202"})
    page = province_client.get(f"/auditlogview/list/?_flt_0_object_type=Enterprise"
                               f"&_flt_0_object_id={pk}").get_data(as_text=True)
    assert f"名称：{old_name} → {old_name}（核）" in page
    assert re.search(r"<td[^>]*>\s*企业\s*</td>", page) and not re.search(
        r"<td[^>]*>\s*Enterprise\s*</td>", page)
    logins = province_client.get("/auditlogview/list/?_flt_0_action=login").get_data(
        as_text=True)
    table = logins.split("<tbody>", 1)[1]  # the search offers the types by name too
    assert re.search(r"<td[^>]*>\s*用户\s*</td>", table) and "AppUser" not in table


def test_create_and_delete_are_recorded(app, province_client):
    uscc = demo_uscc("210211", 77)
    response = post_form(province_client, "/enterpriseview/add",
                         data={"name": "审计测试企业", "uscc": uscc, "region": "210211"})
    assert response.status_code == 302
    with app.app_context():
        pk = db.session.query(Enterprise).filter_by(uscc=uscc).one().id
    created = _rows(app, action="create", object_type="Enterprise", object_id=str(pk))
    assert created[0].changes["uscc"] == [None, uscc]
    post_form(province_client, "/enterpriseview/list/", f"/enterpriseview/delete/{pk}")
    deleted = _rows(app, action="delete", object_type="Enterprise", object_id=str(pk))
    assert deleted and deleted[0].changes["name"] == ["审计测试企业", None]


def test_password_values_never_reach_the_log(app):
    with app.app_context():
        for row in db.session.query(AuditLog).filter_by(object_type="AppUser"):
            if row.changes and "password" in row.changes:
                assert set(row.changes["password"]) <= {None, "***"}


def test_exports_are_recorded(app, province_client):
    province_client.get("/enterpriseview/export/?_flt_0_name=大连")
    row = _rows(app, action="export", username="province_admin")[-1]
    assert row.object_type == "Enterprise" and "大连" in row.detail


def test_audit_log_is_append_only_in_the_database(app):
    with app.app_context():
        with pytest.raises(DatabaseError):
            db.session.execute(text("UPDATE audit_log SET action = 'x'"))
        db.session.rollback()
        with pytest.raises(DatabaseError):
            db.session.execute(text("DELETE FROM audit_log"))
        db.session.rollback()
        assert db.session.query(AuditLog).count() > 0


def test_province_admin_filters_and_exports_the_log(app, province_client):
    login(app.test_client(), "enterprise_user")
    page = province_client.get("/auditlogview/list/?_flt_0_username=enterprise_user"
                               "&_flt_0_action=login")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "enterprise_user" in html and "county_reviewer" not in html
    export = province_client.get("/auditlogview/export/?_flt_0_username=enterprise_user")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(export.data)).get_sheet_by_index(0).to_python()
    assert len(rows) > 1 and {r[1] for r in rows[1:]} == {"enterprise_user"}


def test_enterprise_and_county_cannot_read_the_log(county_client, enterprise_client):
    assert county_client.get("/auditlogview/list/").status_code == 403
    assert enterprise_client.get("/auditlogview/list/").status_code == 403


def test_excel_exports_write_formulas_as_text(app, province_client):
    uscc = demo_uscc("210204", 88)
    name = "=HYPERLINK(\"http://x\")" + uuid.uuid4().hex[:4]
    post_form(province_client, "/enterpriseview/add",
              data={"name": name, "uscc": uscc, "region": "210204"})
    export = province_client.get(f"/enterpriseview/export/?_flt_0_uscc={uscc}")
    import zipfile

    with zipfile.ZipFile(io.BytesIO(export.data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "HYPERLINK" in sheet
