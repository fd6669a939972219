"""Security headers on every response, and the per-request nonce of the CSP.

Flask-AppBuilder's templates write ``nonce="{{ baselib.get_nonce() }}"`` on each of their
script tags; that macro calls ``csp_nonce()`` when the template context defines it (the
Flask-Talisman convention). Defining it here lets FAB's few inline scripts run by nonce
while any other inline script — an injected one included — is refused by the browser.
Our own templates load their scripts from ``/static`` and have no inline handlers.
"""

from __future__ import annotations

import secrets

from flask import Flask, g

# 'unsafe-inline' for styles only: FAB and Bootstrap 3 templates carry style="…" attributes
# and ECharts sizes its canvas inline. Inline styles cannot run code; scripts stay strict.
_POLICY = ("default-src 'self'; script-src 'self' 'nonce-{nonce}'; "
           "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
           "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
           "frame-ancestors 'self'")


def csp_nonce() -> str:
    """This request's nonce, made on first use (a template or the response header)."""
    nonce = getattr(g, "csp_nonce", None)
    if nonce is None:
        nonce = g.csp_nonce = secrets.token_urlsafe(18)
    return nonce


def content_security_policy() -> str:
    return _POLICY.format(nonce=csp_nonce())


def install(app: Flask) -> None:
    # A global, not a context processor: FAB's macros are imported without context.
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", content_security_policy())
        # X-Frame-Options for browsers that predate frame-ancestors.
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response
