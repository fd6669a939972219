"""Security sweep (issue 8): generated from what the application registers, so a new
scoped screen, route or page is swept without anyone listing it here.

- every object URL of every scoped view, requested by each role for a row of another
  region, enterprise or bank, answers 404 (403 where the role lacks the permission);
- security headers, with a CSP whose script nonce changes per request, on every main page
  of every role;
- no password, API key or SECRET_KEY in any log record or audit row.
Escaping, Excel formula injection, PDFs and uploads: tests/test_security_escaping.py.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from flask import g

from app.domain import workflow
from app.domain.records.uscc import check_character
from app.extensions import db
from app.models import (
    Anomaly,
    AppUser,
    AuditLog,
    BackgroundJob,
    Bank,
    Enterprise,
    NationalBatch,
    NationalBatchEntry,
    NationalPoints,
    Objection,
    Pool,
    PoolEvaluation,
    PoolMembership,
    PoolProposal,
    PublicityBatch,
    PublicityEntry,
    RecommendationEntry,
    RecommendationList,
    Registration,
    ReportingActivity,
    ScoreResult,
    ScoreRun,
    SpotCheck,
    SpotCheckTask,
    Submission,
    SubmissionLetter,
    UploadBatch,
)
from app.models import financing as F
from app.security import roles
from app.security.scope import scope_clause, scope_of
from app.services.demo import demo_uscc
from tests.conftest import ROLE_LOGINS, csrf_token_of, logged_in_client

# Where each role's foreign rows live: 沈阳 (another city of the province) for the 大连
# reviewers, the enterprise and the bank; 北京 (another province) for the province admin.
FOREIGN_OF_ROLE = {"province": "other_province", "city": "other_city", "county": "other_city",
                   "enterprise": "other_city", "bank": "other_city"}
PLACES = {"other_city": ("210112", "21", demo_uscc("210112", 4)),
          "other_province": ("110101", "11", "91110101MA0000009"
                             + check_character("91110101MA0000009"))}
# Screens that serve a scoped model by hand instead of through a FAB datamodel.
HAND_SCOPED = {"JobView": BackgroundJob}
# Routes whose <pk> is not the view's model: activities are province-wide, not scoped.
PK_OF_ANOTHER_MODEL = {"BatchView.template", "BatchView.upload",
                       "NationalPointsView.confirm"}  # the activity's points, in scope
PROBE_ACTION = "sweep_probe"  # an action name no view declares


def _clone(row, **changes):
    """A copy of ``row`` (every column but the key) with ``changes``."""
    mapper = sa.inspect(type(row))
    values = {a.key: getattr(row, a.key) for a in mapper.column_attrs
              if not any(c.primary_key for c in a.columns)}
    values.update(changes)
    return type(row)(**values)


def _foreign_rows(place: str) -> dict[type, object]:
    """One row of every scoped model in ``place``, reachable by no demo role but the admin."""
    county, province, uscc = PLACES[place]
    enterprise = db.session.query(Enterprise).filter_by(uscc=uscc).one_or_none()
    if enterprise is None:
        enterprise = Enterprise(uscc=uscc, name=f"扫描测试企业{place}", region_code=county)
        db.session.add(enterprise)
        db.session.flush()
    other_bank = db.session.query(Bank).filter_by(name="建设银行").one()
    activity = db.session.query(ReportingActivity).order_by(ReportingActivity.id).first()
    template_run = db.session.query(ScoreRun).order_by(ScoreRun.id).first()
    admin = db.session.query(AppUser).filter_by(username="admin").one()
    submission = _clone(db.session.query(Submission).order_by(Submission.id).first(),
                        enterprise_id=enterprise.id, region_code=county, uscc=uscc,
                        name=enterprise.name, needs_financing=True, status=workflow.DUPLICATE,
                        intended_banks=[other_bank.name], batch_id=None)
    run = _clone(template_run, province_code=province)
    db.session.add_all([submission, run])
    db.session.flush()
    listing = _clone(db.session.query(RecommendationList).order_by(RecommendationList.id)
                     .first(), province_code=province, run_id=run.id, status=F.DRAFT,
                     name=f"扫描测试名单{place}")
    db.session.add(listing)
    db.session.flush()
    batch = PublicityBatch(activity_id=activity.id, title=f"扫描测试公示{place}",
                           status="published", days=5)
    db.session.add(batch)
    db.session.flush()
    entry = PublicityEntry(batch_id=batch.id, submission_id=submission.id,
                           enterprise_id=enterprise.id, uscc=uscc, name=enterprise.name,
                           region_code=county, status="announced")
    db.session.add(entry)
    db.session.flush()
    check = SpotCheck(title=f"扫描测试抽查{place}", region_code=province, share=0.1, seed=1)
    db.session.add(check)
    db.session.flush()
    user = AppUser(username=f"sweep_{place}", first_name="扫描", last_name="测试",
                   email=f"sweep_{place}@demo.invalid", active=False, region_code=county,
                   password="!")  # no usable password: the hash of nothing
    rows = {
        Enterprise: enterprise,
        Submission: submission,
        ScoreRun: run,
        RecommendationList: listing,
        AppUser: user,
        SubmissionLetter: SubmissionLetter(activity_id=activity.id, province_code=province,
                                           version=900 + len(place), pdf_file="sweep.pdf"),
        UploadBatch: UploadBatch(activity_id=activity.id, uploader_region=county,
                                 uploader_id=admin.id, filename="sweep.xlsx"),
        BackgroundJob: BackgroundJob(kind="upload", user_id=admin.id, title="sweep"),
        ScoreResult: _clone(db.session.query(ScoreResult).order_by(ScoreResult.id).first(),
                            run_id=run.id, submission_id=submission.id,
                            enterprise_id=enterprise.id, region_code=county, uscc=uscc),
        Objection: Objection(batch_id=batch.id, entry_id=entry.id, region_code=county,
                             code=f"SWEEP{len(place)}{place[6:9].upper()}", reason="扫描测试"),
        Registration: Registration(number=f"SWEEP-{place}", serial_scope=f"sweep-{place}",
                                   serial=1, batch_id=batch.id, entry_id=entry.id,
                                   submission_id=submission.id, enterprise_id=enterprise.id,
                                   uscc=uscc, name=enterprise.name, region_code=county,
                                   data_year=2025, announced_on=dt.date(2026, 1, 5)),
        Anomaly: Anomaly(enterprise_id=enterprise.id, uscc=uscc, name=enterprise.name,
                         region_code=county, reason="扫描测试", source="扫描测试"),
        RecommendationEntry: _clone(db.session.query(RecommendationEntry)
                                    .order_by(RecommendationEntry.id).first(),
                                    list_id=listing.id, submission_id=submission.id,
                                    enterprise_id=enterprise.id, region_code=county,
                                    uscc=uscc, bank_id=other_bank.id),
    }
    db.session.add_all(rows.values())
    db.session.flush()
    national = NationalBatch(activity_id=activity.id, number=900 + len(place), records=1)
    evaluation = PoolEvaluation(data_year=2025, province_code=province)
    db.session.add_all([national, evaluation])
    db.session.flush()
    pool = db.session.query(Pool).order_by(Pool.id).first()
    rows[NationalBatchEntry] = NationalBatchEntry(batch_id=national.id,
                                                  submission_id=submission.id, uscc=uscc,
                                                  region_code=county)
    rows[NationalPoints] = NationalPoints(activity_id=activity.id, submission_id=submission.id,
                                          enterprise_id=enterprise.id, uscc=uscc,
                                          name=enterprise.name, region_code=county, total=50.0)
    rows[PoolProposal] = PoolProposal(evaluation_id=evaluation.id, enterprise_id=enterprise.id,
                                      uscc=uscc, region_code=county, pool_id=pool.id,
                                      change="enter", reasons=["扫描测试"])
    rows[PoolMembership] = PoolMembership(enterprise_id=enterprise.id, region_code=county,
                                          pool_id=pool.id, since=dt.date(2026, 1, 5))
    db.session.add_all([rows[NationalBatchEntry], rows[NationalPoints], rows[PoolProposal],
                        rows[PoolMembership]])
    rows[SpotCheckTask] = SpotCheckTask(
        check_id=check.id, registration_id=rows[Registration].id, enterprise_id=enterprise.id,
        name=enterprise.name, uscc=uscc, region_code=county, status="pending")
    db.session.add(rows[SpotCheckTask])
    db.session.commit()
    return rows


def _snapshot(rows: dict[type, object]) -> dict[str, tuple]:
    """Every column of every foreign row, read fresh from the database."""
    result = {}
    for model, row in rows.items():
        mapper = sa.inspect(model)
        fresh = db.session.execute(sa.select(model).where(
            mapper.primary_key[0] == row.id)).scalar_one_or_none()
        result[model.__name__] = fresh and tuple(
            str(getattr(fresh, a.key)) for a in mapper.column_attrs)
    return result


@pytest.fixture(scope="module")
def foreign(app):
    with app.app_context():
        rows = {place: _foreign_rows(place) for place in PLACES}
        ids = {place: {model: row.id for model, row in found.items()}
               for place, found in rows.items()}
        before = {place: _snapshot(found) for place, found in rows.items()}
    yield ids
    with app.app_context():
        for place, found in rows.items():
            merged = {model: db.session.merge(row, load=False) for model, row in found.items()}
            assert _snapshot(merged) == before[place], f"a foreign row in {place} changed"


def _scoped_views(app):
    for view in app.appbuilder.baseviews:
        model = getattr(getattr(view, "datamodel", None), "obj", None)
        model = model if hasattr(model, "__scope__") else HAND_SCOPED.get(type(view).__name__)
        if model is not None:
            yield view, model


def _permission(view, method: str, action: str | None) -> str | None:
    """The permission FAB checks on ``method`` (None: the method checks it itself)."""
    if action is not None:
        return view.actions[action].name if action in view.actions else None
    func = getattr(type(view), method, None)
    name = getattr(func, "_permission_name", None)
    if name is None:
        return None
    name = (view.method_permission_name or {}).get(method) or name.removeprefix("can_")
    return f"can_{name}"


def object_urls(app, view, pk: int):
    """(method, url, form data, permission) of every route of ``view`` that takes a row."""
    actions = sorted(view.actions) if getattr(view, "actions", None) else [PROBE_ACTION]
    for rule in app.url_map.iter_rules():
        endpoint, _, method = rule.endpoint.rpartition(".")
        if endpoint != view.endpoint or rule.endpoint in PK_OF_ANOTHER_MODEL:
            continue
        args = set(rule.arguments)
        if args == {"pk"} or (len(args) == 1 and "int" in rule.rule):
            names = [None]
        elif args == {"name", "pk"}:
            names = actions
        elif method == "action_post":  # the row travels in the form
            names = actions
        else:
            continue
        for name in names:
            url = re.sub(r"<(?:\w+:)?pk>|<int:\w+>", str(pk), rule.rule)
            url = url.replace("<string:name>", name or "")
            data = {"rowid": str(pk), "action": name or "", "name": "hijacked",
                    "status": F.GRANTED, "reason": "hijacked"}
            permission = _permission(view, method, name if name != PROBE_ACTION else None)
            for http in sorted(rule.methods & {"GET", "POST"}):
                yield http, url, data, permission


def test_every_scoped_model_has_a_foreign_row_recipe(app, foreign):
    served = {model for _view, model in _scoped_views(app)}
    missing = served - set(foreign["other_city"])
    assert not missing, f"add a foreign-row recipe for {missing} to _foreign_rows"
    assert PK_OF_ANOTHER_MODEL <= {r.endpoint for r in app.url_map.iter_rules()}


def test_foreign_rows_are_outside_every_role_scope(app, foreign):
    """A precondition of the sweep: the rows it requests are really foreign."""
    with app.app_context():
        for role, place in FOREIGN_OF_ROLE.items():
            scope = scope_of(db.session.query(AppUser).filter_by(
                username=ROLE_LOGINS[role]).one())
            for model, pk in foreign[place].items():
                if model is BackgroundJob:
                    continue  # own jobs only, checked by JobView itself
                visible = db.session.execute(sa.select(sa.func.count()).select_from(model)
                                             .where(sa.inspect(model).primary_key[0] == pk,
                                                    scope_clause(model, scope))).scalar()
                assert not visible, f"{model.__name__} row in {place} is visible to {role}"


@pytest.mark.parametrize("role", sorted(FOREIGN_OF_ROLE))
def test_foreign_object_urls_answer_404(app, foreign, role):
    client = logged_in_client(app, role)
    token = csrf_token_of(client.get("/resetmypassword/form").get_data(as_text=True))
    with app.app_context():
        role_name = app.appbuilder.sm.find_user(username=ROLE_LOGINS[role]).roles[0].name
    checked, leaks = 0, []
    for view, model in _scoped_views(app):
        pk = foreign[FOREIGN_OF_ROLE[role]][model]
        for http, url, data, permission in object_urls(app, view, pk):
            if http == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={**data, "csrf_token": token})
            granted = permission is not None and roles.grants(
                role_name, view.class_permission_name, permission)
            allowed = {404} if granted else {403, 404}
            if response.status_code not in allowed:
                leaks.append(f"{http} {url}: {response.status_code}")
            checked += 1
    assert checked > 80
    assert not leaks, f"{role} reached foreign rows: {leaks}"


def test_duplicate_groups_of_another_area_are_404(app, foreign):
    """The one object route keyed by two ids (activity, enterprise), outside the sweep."""
    client = logged_in_client(app, "province")
    token = csrf_token_of(client.get("/resetmypassword/form").get_data(as_text=True))
    with app.app_context():
        row = db.session.get(Submission, foreign["other_province"][Submission])
        url = f"/duplicates/group/{row.activity_id}/{row.enterprise_id}"
    assert client.get(url).status_code == 404
    assert client.post(url, data={"csrf_token": token, "keep": str(row.id)}).status_code == 404


# --- Security headers -------------------------------------------------------------------

class _Handlers(HTMLParser):
    """Attributes that run code: on…= handlers and javascript: links (parsed, so escaped
    text such as "&lt;img onerror=…" does not count)."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=…>")


def inline_handlers(html: str) -> list[str]:
    parser = _Handlers()
    parser.feed(html)
    return parser.found


def main_pages(app):
    for view in app.appbuilder.baseviews:
        for endpoint in ("list", "index"):
            rule = next((r.rule for r in app.url_map.iter_rules()
                         if r.endpoint == f"{view.endpoint}.{endpoint}"), None)
            if rule and "<" not in rule and not rule.startswith("/api/"):
                yield rule


@pytest.mark.parametrize("role", ["admin", "province", "city", "county", "enterprise", "bank"])
def test_security_headers_on_every_main_page(app, role):
    client = logged_in_client(app, role)
    nonces = set()
    pages = sorted(set(main_pages(app)))
    assert len(pages) > 20
    for url in pages:
        response = client.get(url)
        headers = response.headers
        assert headers["X-Frame-Options"] == "SAMEORIGIN", url
        assert headers["X-Content-Type-Options"] == "nosniff", url
        assert headers["Referrer-Policy"] == "same-origin", url
        csp = headers["Content-Security-Policy"]
        for part in ("default-src 'self'", "object-src 'none'", "frame-ancestors 'self'",
                     "form-action 'self'", "base-uri 'self'", "img-src 'self' data:"):
            assert part in csp, (url, part)
        nonce = re.search(r"script-src 'self' 'nonce-([\w-]+)';", csp).group(1)
        assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        nonces.add(nonce)
        if response.status_code == 200 and response.mimetype == "text/html":
            html = response.get_data(as_text=True)
            for tag in re.findall(r"<script\b[^>]*>", html):
                # Inline code needs the nonce; files load from 'self'; JSON is data.
                assert ("src=" in tag or f'nonce="{nonce}"' in tag
                        or 'type="application/json"' in tag), (url, tag)
            assert not inline_handlers(html), (url, inline_handlers(html))
    assert len(nonces) == len(pages), "the nonce must change on every response"


def test_headers_on_login_error_and_static_responses(app):
    client = app.test_client()
    for url in ("/login/", "/no-such-page", "/static/js/charts.js"):
        response = client.get(url)
        assert "Content-Security-Policy" in response.headers, url
        assert response.headers["X-Content-Type-Options"] == "nosniff", url


# --- Secrets never logged ------------------------------------------------------------------

def test_no_secret_in_logs_or_audit_rows(app, caplog):
    from app.services.platform import api_clients
    from app.services.platform.accounts import create_user
    from tests.conftest import login

    first_password, new_password, wrong_password = "Sweep#Pass2026a", "Sweep#Pass2026b", \
        "Wrong#Pass2026c"
    with app.app_context():
        first_audit = db.session.query(sa.func.max(AuditLog.id)).scalar() or 0
    caplog.set_level(logging.DEBUG)
    with app.test_request_context():
        g.user = db.session.query(AppUser).filter_by(username="province_admin").one()
        create_user("sweep_secret_user", first_password, roles.COUNTY_REVIEWER,
                    first_name="扫描", last_name="测试", email="sweep_secret@demo.invalid",
                    region_code="210202")
        _api_user, key = api_clients.create_client("sweep-secret", "210202", "21")
        activity_id = db.session.query(sa.func.min(ReportingActivity.id)).scalar()
    client = app.test_client()
    assert login(client, "sweep_secret_user", wrong_password).status_code == 302
    assert login(client, "sweep_secret_user", first_password).location.endswith("/")
    form = client.get("/resetmypassword/form").get_data(as_text=True)
    response = client.post("/resetmypassword/form", data={
        "csrf_token": csrf_token_of(form), "old_password": first_password,
        "password": new_password, "conf_password": new_password})
    assert response.status_code == 302
    response = app.test_client().get(f"/api/v1/records/{activity_id}/{demo_uscc('210202', 1)}",
                                     headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    secrets_ = [first_password, new_password, wrong_password, key, app.config["SECRET_KEY"]]
    logged = caplog.text  # formatted as each record was emitted, arguments included
    assert "sweep_secret_user" in logged
    with app.app_context():
        audit = "\n".join(str([getattr(row, c.key) for c in sa.inspect(AuditLog).column_attrs])
                          for row in db.session.query(AuditLog).filter(
                              AuditLog.id > first_audit))
    assert "sweep_secret_user" in audit  # the rows are there, just without secrets
    for secret in secrets_:
        assert secret not in logged
        assert secret not in audit
