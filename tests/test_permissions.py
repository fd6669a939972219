"""The permission matrix: every registered view and permission × every role.

Generated from what the application registers, so a new view or action that
app.security.roles does not decide on fails here.
"""

import pytest

from app.security import roles
from tests.conftest import logged_in_client

# Views that carry no permission at all: the login page, the index, the language switch,
# public self-registration of enterprises and the public portal (公示, 公告, objections).
OPEN_VIEWS = {"HomeView", "UtilView", "LocaleView", "AppAuthDBView", "NoTokenLoginApi",
              "RegisterView", "PublicPortalView"}


class _RoleUser:
    is_authenticated = True
    is_active = True
    groups = ()

    def __init__(self, role):
        self.roles = [role]


def _registered(app):
    for view in app.appbuilder.baseviews:
        yield view.class_permission_name, sorted(view.base_permissions or [])


def test_every_view_and_permission_has_a_decision(app):
    undecided = []
    for view, permissions in _registered(app):
        if not permissions:
            assert view in OPEN_VIEWS, f"{view} has no permissions and is not known as open"
            continue
        declared = set(roles.ACCESS.get(view, {}))
        for permission in permissions:
            if permission not in declared:
                undecided.append(f"{view}.{permission}")
    assert not undecided, f"no decision in app/security/roles.py for: {undecided}"


def test_no_decision_for_views_that_do_not_exist(app):
    registered = {view for view, _ in _registered(app)}
    assert set(roles.ACCESS) <= registered


@pytest.mark.parametrize("role_name", roles.ROLES)
def test_security_manager_answers_exactly_as_declared(app, role_name):
    sm = app.appbuilder.sm
    with app.app_context():
        role = sm.find_role(role_name)
        user = _RoleUser(role)
        for view, permissions in _registered(app):
            for permission in permissions:
                expected = roles.grants(role_name, view, permission)
                assert sm._has_view_access(user, permission, view) is expected, (
                    f"{role_name} {view}.{permission}")


def _list_urls(app):
    for view in app.appbuilder.baseviews:
        for endpoint, method in (("list", "can_list"), ("export", "can_export"),
                                 ("show", "can_show")):
            if hasattr(view, endpoint) and method in (view.base_permissions or []):
                rule = next((r.rule for r in app.url_map.iter_rules()
                             if r.endpoint == f"{view.endpoint}.{endpoint}"), None)
                if rule and "<" not in rule:
                    yield view.class_permission_name, method, rule


@pytest.mark.parametrize("role", ["admin", "province", "city", "county", "enterprise", "bank"])
def test_http_access_follows_the_matrix(app, role):
    from tests.conftest import ROLE_LOGINS

    client = logged_in_client(app, role)
    with app.app_context():
        role_name = app.appbuilder.sm.find_user(username=ROLE_LOGINS[role]).roles[0].name
    for view, permission, url in _list_urls(app):
        status = client.get(url).status_code
        expected = 200 if roles.grants(role_name, view, permission) else 403
        assert status == expected, f"{role} GET {url}: {status}, expected {expected}"


def test_anonymous_is_sent_to_login(app):
    client = app.test_client()
    for _view, _permission, url in _list_urls(app):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response.location, url


def test_audit_log_cannot_be_edited_or_deleted_by_anyone(admin_client):
    for url in ("/auditlogview/add", "/auditlogview/edit/1", "/auditlogview/delete/1"):
        assert admin_client.get(url).status_code == 403


def test_each_role_sees_only_its_menus(app):
    expectations = {
        "admin": {"Audit log", "Roles and permissions", "Users", "Enterprise directory"},
        "province": {"Audit log", "Enterprise directory", "Financial institutions"},
        "county": {"Enterprise directory"},
        "enterprise": {"Enterprise directory"},
        "bank": {"Financial institutions"},
    }
    hidden = {
        "province": {"Users", "Roles and permissions"},
        "county": {"Audit log", "Users"},
        "enterprise": {"Audit log", "Users"},
        "bank": {"Audit log", "Enterprise directory", "Users"},
    }
    for role, visible in expectations.items():
        client = logged_in_client(app, role)
        client.get("/lang/en")
        page = client.get("/workbench/").get_data(as_text=True)
        for label in visible:
            assert label in page, f"{role} should see {label}"
        for label in hidden.get(role, ()):
            assert f">{label}<" not in page and f"> {label}" not in page, (
                f"{role} should not see {label}")


def test_token_login_api_is_not_offered(app):
    response = app.test_client().post("/api/v1/security/login",
                                      json={"username": "admin", "password": "Demo#2026",
                                            "provider": "db"})
    assert response.status_code == 404
