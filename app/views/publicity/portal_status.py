"""The portal's status query (SPEC §12.3): what is public about an enterprise for anyone; its
own facts (its records' states, return reasons, confirmed points, registration and
certificate, 异常名单) for its signed-in user, or for a visitor who proved the USCC with a
one-time code sent to the enterprise's contact, for 30 minutes in this browser's session.

The routes are a part of ``PublicPortalView`` (mixed into it), so their endpoints are
``PublicPortalView.status…`` and the view is registered once."""

from __future__ import annotations

import time

from flask import abort, current_app, flash, g, redirect, request, session, url_for
from flask_appbuilder import expose
from flask_babel import gettext as _
from sqlalchemy import select

from app.domain import publicity as P
from app.domain.errors import BilingualError
from app.extensions import db
from app.i18n import current_language
from app.models.publicity import PublicityBatch, PublicityEntry, Registration
from app.services.publicity import status_query

# The USCC a visitor proved with a code, and until when (seconds since the epoch).
VERIFIED_KEY, VERIFIED_SECONDS = "status_query", 30 * 60


class StatusQueryRoutes:
    """Mixed into PublicPortalView: no login needed; the own facts only for the USCC that
    ``own_uscc`` gives."""

    @expose("/status")
    def status(self):
        """What is public about an enterprise (its 公示 and registration); its own facts for
        its signed-in user, or after a code."""
        code = status_query.normalise(request.args.get("uscc"))
        own = own_uscc()
        if own and code in ("", own):
            return self._own_page(own)
        entries, registrations = [], []
        if code:
            entries = db.session.execute(select(PublicityEntry).join(PublicityBatch).where(
                PublicityEntry.uscc == code, PublicityBatch.status != P.DRAFT).order_by(
                PublicityEntry.id.desc())).scalars().all()
            registrations = db.session.execute(select(Registration).where(
                Registration.uscc == code).order_by(Registration.id.desc())).scalars().all()
        channel = request.args.get("channel")
        return self.render_template(
            "public/status.html", code=code, entries=entries, registrations=registrations,
            own=own, channel=channel if channel in status_query.CHANNELS else status_query.SMS,
            title=_("Status query"))

    @expose("/status/code", methods=["POST"])
    def status_code(self):
        code, channel = (status_query.normalise(request.form.get("uscc")),
                         request.form.get("channel", ""))
        try:
            sent = status_query.request_code(code, channel, request.remote_addr)
        except BilingualError as error:
            flash(error.message(current_language()), "danger")
        else:
            flash(_("A code was sent to %(to)s. Enter it below within 10 minutes.",
                    to=sent.masked), "success")
        return redirect(url_for("PublicPortalView.status", uscc=code or None,
                                channel=channel or None, _anchor="code-verify"))

    @expose("/status/verify", methods=["POST"])
    def status_verify(self):
        code = status_query.normalise(request.form.get("uscc"))
        verified = status_query.verify_code(code, request.form.get("code", ""))
        if not verified:
            flash(_("The code is wrong, expired or tried too often. Check it, or ask for a new "
                    "code: each code is valid for 10 minutes and 5 tries."), "danger")
            return redirect(url_for("PublicPortalView.status", uscc=code or None,
                                    _anchor="code-verify"))
        session[VERIFIED_KEY] = {"uscc": verified, "until": time.time() + VERIFIED_SECONDS}
        return redirect(url_for("PublicPortalView.status_own"))

    @expose("/status/own")
    def status_own(self):
        own = own_uscc()
        if not own:
            flash(_("Ask for a code with your unified social credit code, or sign in, to see "
                    "your own status."), "info")
            return redirect(url_for("PublicPortalView.status"))
        return self._own_page(own)

    @expose("/status/forget", methods=["POST"])
    def status_forget(self):
        session.pop(VERIFIED_KEY, None)
        return redirect(url_for("PublicPortalView.status"))

    @expose("/status/certificate/<int:pk>")
    def status_certificate(self, pk):
        own = own_uscc()
        if not own:
            return redirect(url_for("PublicPortalView.status"))
        try:
            registration, data = status_query.certificate(own, pk)
        except status_query.StatusQueryError:
            abort(404)  # another enterprise's registration is as good as none
        except BilingualError as error:
            flash(error.message(current_language()), "danger")
            return redirect(url_for("PublicPortalView.status_own"))
        return current_app.response_class(data, mimetype="application/pdf", headers={
            "Content-Disposition": f"inline; filename=registration-{registration.number}.pdf"})

    def _own_page(self, uscc: str):
        visitor = _enterprise_user() is None
        until = (session.get(VERIFIED_KEY) or {}).get("until") if visitor else None
        return self.render_template(
            "public/status_own.html", own=status_query.own_status(uscc),
            lang=current_language(), visitor=visitor,
            minutes_left=max(1, int((until - time.time()) // 60)) if until else None,
            title=_("Your status"))


def _enterprise_user():
    user = getattr(g, "user", None)
    signed_in = user is not None and user.is_authenticated
    return user if signed_in and getattr(user, "enterprise_id", None) else None


def own_uscc() -> str | None:
    """The USCC whose own facts this visitor may read: a signed-in enterprise user's, or the
    one proved with a code in the last 30 minutes."""
    user = _enterprise_user()
    if user is not None:
        return user.enterprise.uscc
    kept = session.get(VERIFIED_KEY)
    if isinstance(kept, dict) and kept.get("until", 0) > time.time():
        return kept.get("uscc")
    return None
