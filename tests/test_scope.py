"""Regional scope (SPEC §2): out-of-scope rows are 404 everywhere."""

import io

import pytest
from python_calamine import CalamineWorkbook

from app.domain.records.uscc import check_character
from app.extensions import db
from app.models import Enterprise
from app.security.scope import REGION, UserScope, restrict
from app.services.demo import DEMO_ENTERPRISES, demo_uscc
from tests.conftest import post_form

OWN = demo_uscc("210202", 1)  # enterprise_user's, in county_reviewer's county 中山区
SAME_CITY = demo_uscc("210203", 2)  # 大连市西岗区
OTHER_CITY = demo_uscc("210112", 4)  # 沈阳市浑南区
OTHER_PROVINCE = "91110101MA0000009" + check_character("91110101MA0000009")  # 北京市东城区


@pytest.fixture(scope="module", autouse=True)
def other_province_enterprise(app):
    with app.app_context():
        if not db.session.query(Enterprise).filter_by(uscc=OTHER_PROVINCE).first():
            db.session.add(Enterprise(uscc=OTHER_PROVINCE, name="北京东城测试企业",
                                      region_code="110101"))
            db.session.commit()


def _id(app, uscc):
    with app.app_context():
        return db.session.query(Enterprise).filter_by(uscc=uscc).one().id


def _listed(client):
    html = client.get("/enterpriseview/list/?psize_EnterpriseView=1000").get_data(as_text=True)
    return {uscc for uscc in (OWN, SAME_CITY, OTHER_CITY, OTHER_PROVINCE) if uscc in html}


def _exported(client):
    response = client.get("/enterpriseview/export/")
    assert response.status_code == 200
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(response.data)).get_sheet_by_index(0)
    return {row[1] for row in sheet.to_python()[1:]}


@pytest.mark.parametrize(
    "role, visible",
    [
        ("admin", {OWN, SAME_CITY, OTHER_CITY, OTHER_PROVINCE}),
        ("province", {OWN, SAME_CITY, OTHER_CITY}),
        ("city", {OWN, SAME_CITY}),
        ("county", {OWN}),
        ("enterprise", {OWN}),
    ],
)
def test_lists_and_exports_show_exactly_the_scope(client_as, role, visible):
    client = client_as(role)
    assert _listed(client) == visible
    if role != "enterprise":  # enterprises may not export the directory
        assert _exported(client) & {OWN, SAME_CITY, OTHER_CITY, OTHER_PROVINCE} == visible


@pytest.mark.parametrize(
    "role, foreign",
    [
        ("county", SAME_CITY),
        ("county", OTHER_CITY),
        ("city", OTHER_CITY),
        ("city", OTHER_PROVINCE),
        ("province", OTHER_PROVINCE),
        ("enterprise", SAME_CITY),
    ],
)
def test_foreign_records_answer_404_to_open_edit_delete(app, client_as, role, foreign):
    client = client_as(role)
    pk = _id(app, foreign)
    assert client.get(f"/enterpriseview/show/{pk}").status_code == 404
    if role != "enterprise":
        assert client.get(f"/enterpriseview/edit/{pk}").status_code == 404
        own = _id(app, OWN)
        response = post_form(client, f"/enterpriseview/edit/{own}", f"/enterpriseview/edit/{pk}",
                             data={"name": "hijacked"})
        assert response.status_code == 404
    with app.app_context():
        assert db.session.query(Enterprise).filter_by(uscc=foreign).one().name != "hijacked"


def test_province_delete_outside_province_is_404_and_deletes_nothing(app, province_client):
    pk = _id(app, OTHER_PROVINCE)
    response = post_form(province_client, "/enterpriseview/list/", f"/enterpriseview/delete/{pk}")
    assert response.status_code == 404
    assert _id(app, OTHER_PROVINCE) == pk


def test_scoped_actions_cannot_reach_foreign_rows(app, county_client):
    pk = _id(app, OTHER_CITY)
    response = post_form(county_client, "/enterpriseview/list/", "/enterpriseview/action_post",
                         data={"action": "anything", "rowid": [str(pk)]})
    assert response.status_code == 404


def test_county_edit_inside_scope_works(app, county_client):
    pk = _id(app, OWN)
    response = post_form(county_client, f"/enterpriseview/edit/{pk}",
                         data={"name": "大连星海智能装备有限公司", "uscc": OWN, "region": "210202"})
    assert response.status_code == 302


def test_bank_sees_no_enterprise_directory(bank_client):
    assert bank_client.get("/enterpriseview/list/").status_code == 403


def test_hand_written_queries_use_the_same_helper(app):
    with app.app_context():
        query = db.session.query(Enterprise.uscc)
        dalian = {u for (u,) in restrict(query, Enterprise, UserScope(REGION, region_code="2102"))}
    expected = {demo_uscc(county, serial) for _n, county, serial in DEMO_ENTERPRISES
                if county.startswith("2102")}
    assert expected <= dalian
    assert all(u[2:6] == "2102" for u in dalian if u.startswith("9121"))
    assert OTHER_CITY not in dalian
