"""Every state-changing request without a CSRF token is refused."""

import re

import pytest

from app.extensions import db
from app.models import AuditLog, Enterprise


def _post_urls(app, api=False):
    """Form endpoints (api=False) or the token-authenticated API (api=True)."""
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and rule.rule.startswith("/api/") == api:
            yield re.sub(r"<[^>]+>", "1", rule.rule)


def _audit_rows(app) -> int:
    with app.app_context():
        return db.session.query(AuditLog).count()


@pytest.mark.parametrize("role", ["admin", "province"])
def test_every_post_form_needs_a_csrf_token(app, client_as, role):
    client = client_as(role)
    urls = list(_post_urls(app))
    assert len(urls) > 20
    before = _audit_rows(app)
    for url in urls:
        response = client.post(url, data={"name": "csrf-probe", "action": "unlock",
                                           "rowid": "1", "status": "granted"})
        assert response.status_code == 400, f"POST {url} without token: {response.status_code}"
        assert "刷新" in response.get_data(as_text=True)  # says what to do
    # Every change to an audited model writes an audit row: none means nothing changed.
    assert _audit_rows(app) == before


def test_login_needs_a_csrf_token(app):
    response = app.test_client().post("/login/", data={"username": "admin",
                                                       "password": "Demo#2026"})
    assert response.status_code == 400


def test_nothing_changed_by_refused_posts(app):
    with app.app_context():
        assert db.session.query(Enterprise).filter_by(name="csrf-probe").count() == 0


def test_the_api_takes_no_cookie_only_a_key(app, admin_client):
    urls = list(_post_urls(app, api=True))
    assert urls
    for url in urls:
        assert admin_client.post(url, json={}).status_code == 401
        assert app.test_client().post(url, json={},
                                      headers={"Authorization": "Bearer ipp_wrong"}
                                      ).status_code == 401
