from flask import request
from flask.sessions import SecureCookieSessionInterface


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """Marks the session cookie Secure whenever the request came over HTTPS
    (behind nginx: with BEHIND_PROXY=1, X-Forwarded-Proto decides)."""

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)

    def save_session(self, app, session, response):
        # A visitor who came without a session and holds only what FAB and Flask-Login write
        # on every request (the default language, _fresh) gets no cookie: public pages stay
        # cacheable by nginx (deploy/nginx/ipp-portal-cache.conf), which never stores a
        # response that sets one. Anything else (a CSRF token, a flash) keeps the cookie.
        defaults = {"locale": app.config["BABEL_DEFAULT_LOCALE"], "_fresh": False}
        if self.get_cookie_name(app) not in request.cookies and all(
                key in defaults and value == defaults[key] for key, value in session.items()):
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)
