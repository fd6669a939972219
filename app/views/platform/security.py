"""The application's FAB security manager: our user model and screens,
account policy on every path that sets a password, lock-out and audit."""

from __future__ import annotations

import datetime as dt
import logging

from flask import current_app, flash, g
from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import Group
from flask_appbuilder.security.views import AuthDBView
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.models.user import AppUser
from app.security.policy import password_messages, username_messages
from app.services.platform import audit
from app.views.platform.users import AppUserView, ChangePasswordView

log = logging.getLogger(__name__)


class AppAuthDBView(AuthDBView):
    invalid_login_message = _l(
        "Wrong login name or password. Check both and try again; after several "
        "failures in a row the account is locked for a while."
    )


class NoTokenLoginApi(SecurityApi):
    """FAB always registers a JWT login API; it is neither rate limited nor
    needed (people sign in through the login page, systems through API keys).
    Redefining its endpoints without @expose leaves them unrouted: 404."""

    def login(self):  # pragma: no cover - not routed
        raise NotImplementedError

    def refresh(self):  # pragma: no cover - not routed
        raise NotImplementedError


class AppSecurityManager(SecurityManager):
    security_api = NoTokenLoginApi
    user_model = AppUser
    userdbmodelview = AppUserView
    resetmypasswordview = ChangePasswordView
    authdbview = AppAuthDBView

    # -- account policy on every path -------------------------------------------------
    def add_user(self, username, first_name, last_name, email, role, password="",
                 hashed_password="", groups=None):
        problems = username_messages(username)
        if not hashed_password:
            problems += password_messages(password)
        if problems:
            # FAB's convention: log and return None; its CLI then reports failure.
            log.error("User %s not created: %s", username, " ".join(problems))
            return None
        return super().add_user(username, first_name, last_name, email, role,
                                password, hashed_password, groups)

    def reset_password(self, userid, password):
        problems = password_messages(password)
        if problems:
            raise PasswordComplexityValidationError(" ".join(problems))
        super().reset_password(userid, password)
        user = self.get_user_by_id(userid)
        audit.record(audit.PASSWORD_CHANGE, object_type="AppUser", object_id=str(userid),
                     object_repr=user.username if user else None, commit=True)

    # -- lock-out -------------------------------------------------------------------
    def _is_locked(self, user) -> bool:
        return bool(user.locked_until and user.locked_until > dt.datetime.now())

    def auth_user_db(self, username, password):
        user = self.find_user(username=username) if username else None
        if user is not None and self._is_locked(user):
            minutes = max(1, int((user.locked_until - dt.datetime.now()).total_seconds() // 60) + 1)
            flash(_("This account is locked after repeated failed logins. Try again in "
                    "%(minutes)d minutes, or ask an administrator to unlock it.",
                    minutes=minutes), "danger")
            audit.record(audit.LOGIN_LOCKED, username=user.username, object_type="AppUser",
                         object_id=str(user.id), commit=True)
            return None
        result = super().auth_user_db(username, password)
        if result is None and (user is None or not user.is_active):
            # FAB calls no hook for unknown or inactive names; record the attempt anyway.
            audit.record(audit.LOGIN_FAILED, username=(username or "")[:128] or None,
                         detail="unknown or inactive login name", commit=True)
        return result

    def on_user_login(self, user) -> None:
        if user.locked_until:
            user.locked_until = None
        audit.record(audit.LOGIN, object_type="AppUser", object_id=str(user.id),
                     object_repr=user.username, username=user.username, user_id=user.id,
                     commit=True)

    def on_user_login_failed(self, user) -> None:
        limit = current_app.config["LOGIN_MAX_FAILURES"]
        detail = None
        if (user.fail_login_count or 0) >= limit:
            minutes = current_app.config["LOGIN_LOCK_MINUTES"]
            user.locked_until = dt.datetime.now() + dt.timedelta(minutes=minutes)
            user.fail_login_count = 0
            detail = f"locked for {minutes} minutes after {limit} failures"
        audit.record(audit.LOGIN_FAILED, username=user.username, object_type="AppUser",
                     object_id=str(user.id), detail=detail, commit=True)

    def on_user_logout(self, user) -> None:
        audit.record(audit.LOGOUT, username=user.username, user_id=user.id,
                     object_type="AppUser", object_id=str(user.id), commit=True)

    def validate_api_key(self, api_key_string):
        """FAB loads the key's user through its base User class; scope needs our AppUser."""
        user = super().validate_api_key(api_key_string)
        if user is not None and not isinstance(user, AppUser):
            user_id = user.id
            self.session.expunge(user)
            user = self.session.get(AppUser, user_id)
            g.user = user
        return user

    def load_user(self, pk):
        """The signed-in user of a request, with its roles and groups in one query: FAB
        loads them in three, on every request."""
        user = self.session.execute(
            select(AppUser).where(AppUser.id == int(pk))
            .options(joinedload(AppUser.roles),
                     joinedload(AppUser.groups).joinedload(Group.roles))
        ).unique().scalar_one_or_none()
        return user if user is not None and user.is_active else None

    def unlock(self, user) -> None:
        user.locked_until = None
        user.fail_login_count = 0
        self.update_user(user)
