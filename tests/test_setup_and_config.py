"""Set-up and demo commands are idempotent; configuration refuses unsafe keys."""

import pytest

from app import create_app
from app.extensions import db
from app.models import AppUser, Bank, Region
from app.security import roles
from config import DEV_SECRET_KEY, normalize_database_url


def test_setup_twice_changes_nothing(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["setup"])
    assert first.exit_code == 0, first.output
    assert "0 regions, 0 banks, 0 roles" in first.output
    with app.app_context():
        assert db.session.query(Region).count() == 3351
        assert db.session.query(Bank).filter_by(is_national=True).count() == 21
        for name in (*roles.ROLES, roles.PUBLIC):
            assert app.appbuilder.sm.find_role(name) is not None


def test_demo_load_is_idempotent_and_prints_logins(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "0 enterprises and 0 users added" in result.output
    for login in ("admin", "province_admin", "city_reviewer", "county_reviewer",
                  "enterprise_user", "bank_user"):
        assert login in result.output
    assert "Demo#2026" in result.output


def test_demo_users_carry_their_scope(app):
    with app.app_context():
        users = {u.username: u for u in db.session.query(AppUser)}
        assert users["province_admin"].region.full_name == "辽宁省"
        assert users["city_reviewer"].region.full_name == "辽宁省大连市"
        assert users["county_reviewer"].region.full_name.startswith("辽宁省大连市")
        county = users["county_reviewer"].region_code
        assert users["enterprise_user"].enterprise.region_code == county
        assert users["bank_user"].bank.name == "工商银行"


def test_setup_gives_every_region_its_english_name(app):
    from app.services.platform.setup import load_region_tree

    with app.app_context():
        assert db.session.query(Region).filter(Region.name_en.is_(None)).count() == 0
        region = db.session.get(Region, "210202")
        assert (region.name_en, region.full_name_en) == (
            "Zhongshan District", "Zhongshan District, Dalian, Liaoning")
        # A database upgraded by migration 0010 has no English names until setup runs.
        region.name_en = region.full_name_en = None
        db.session.commit()
        assert region.full_label("en") == "辽宁省大连市中山区"  # the Chinese name meanwhile
        assert load_region_tree() == 1
        db.session.commit()
        assert db.session.get(Region, "210202").full_name_en == \
            "Zhongshan District, Dalian, Liaoning"


def test_a_region_shows_itself_in_the_users_language(app):
    with app.test_request_context("/"):
        region = db.session.get(Region, "210202")
        assert (region.label("zh"), region.label("en")) == ("中山区", "Zhongshan District")
        assert str(region) == "辽宁省大连市中山区"  # Chinese by default
    with app.test_request_context("/?_l_=en"):  # FAB's language argument
        region = db.session.get(Region, "210202")
        assert str(region) == "Zhongshan District, Dalian, Liaoning"
        assert region.label() == "Zhongshan District"


@pytest.mark.parametrize("key", [None, DEV_SECRET_KEY, "short"])
def test_production_refuses_missing_default_or_weak_secret_key(key):
    overrides = {"APP_ENV": "production", "SECRET_KEY": key}
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(overrides)


def test_development_accepts_the_default_key():
    from config import check_secret_key

    check_secret_key({"APP_ENV": "development", "SECRET_KEY": DEV_SECRET_KEY})


def test_database_urls_use_psycopg3():
    assert normalize_database_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalize_database_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalize_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_security_headers(app):
    response = app.test_client().get("/login/")
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_unknown_page_is_a_friendly_404(county_client):
    response = county_client.get("/no/such/page")
    assert response.status_code == 404
    assert "管辖范围" in response.get_data(as_text=True)
