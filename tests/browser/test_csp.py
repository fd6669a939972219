"""The main pages work under the Content-Security-Policy: no violation, no console error,
and the scripts (FAB's by nonce, ours from /static) run. The other browser tests (charts,
project editor, reporting form) exercise their pages' scripts under the same policy."""

from app.extensions import db
from app.models import Enterprise, EvaluationProject, ScoreRun, Submission
from tests.browser.test_sign_in import sign_in
from tests.test_security_sweep import main_pages

# Collects every CSP violation the browser reports, from the first script on.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


def _pages(app):
    with app.app_context():
        first = {model: db.session.query(model.id).order_by(model.id).first()[0]
                 for model in (Enterprise, EvaluationProject, ScoreRun, Submission)}
    return ["/", *sorted(set(main_pages(app))),
            f"/enterpriseview/show/{first[Enterprise]}",
            f"/submissionview/show/{first[Submission]}",
            f"/review/show/{first[Submission]}",
            f"/projects/edit_project/{first[EvaluationProject]}",
            f"/scoreruns/show/{first[ScoreRun]}", "/no-such-page"]


def test_main_pages_run_under_the_csp_without_errors(app, page, live_server):
    page.add_init_script(RECORD_VIOLATIONS)
    sign_in(page, live_server, "province_admin")
    problems = []
    errors = []
    for url in _pages(app):
        seen = len(page.console_errors)
        status = page.goto(f"{live_server}{url}").status
        page.wait_for_load_state("load")
        for error in page.console_errors[seen:]:
            # A 403/404 page reports its own status as a console error: that is not a fault.
            if not (status != 200 and error.startswith("Failed to load resource")):
                errors.append(f"{url}: {error}")
        violations = page.evaluate("window.__csp")
        if violations:
            problems.append(f"{url}: {violations}")
        # FAB's own scripts ran (jQuery from a nonce'd tag; its inline set-up too).
        if page.evaluate("typeof window.jQuery") != "function":
            problems.append(f"{url}: jQuery did not load")
    assert not problems, problems
    # The policy is enforced and the listener hears it: an injected inline script is refused.
    page.evaluate("""() => { const s = document.createElement("script");
        s.textContent = "window.__ran = 1"; document.body.appendChild(s); }""")
    assert page.evaluate("window.__ran") is None
    assert page.evaluate("window.__csp")
    assert errors == []

