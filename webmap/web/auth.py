"""Who is asking: session sign-in (Flask-Login), bearer tokens for tools, CSRF, throttling.

- A person signs in at /login; the session cookie is HttpOnly, SameSite=Lax, and Secure
  whenever the request came over HTTPS (behind nginx, gunicorn reads X-Forwarded-Proto).
- A tool (QGIS, OWSLib, scripts) sends ``Authorization: Bearer <token>``; a bearer request
  never uses the session and needs no CSRF token (a browser cannot forge that header).
- Every write made with the session cookie needs the CSRF token: a form field
  ``csrf_token`` or, for JSON, the header ``X-CSRFToken`` (the page has it in
  ``<meta name="csrf-token">``). Checked before any view runs, so no write route can forget.
- Sign-in is throttled per account from the audit log's failed sign-ins (one count shared
  by every worker and kept across restarts), and per address by Flask-Limiter (in-process
  memory: a first line against floods, counted by each worker on its own).
- Sign-ins, failed sign-ins and token use go to the repository's audit log.

Roles are ordered: editor < steward < admin; ``require_role("steward")`` lets stewards and
admins through. The stored accounts live in the repository (webmap/db/), not here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, current_app, g, redirect, render_template, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect, generate_csrf
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..errors import ApiError

bp = Blueprint("auth", __name__)

ROLES = ("editor", "steward", "admin")
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Throttles on POST /login. Per account counts failed sign-ins only (in the database), so
# a person who signs in is never locked out by their own success; per address counts
# every attempt (Flask-Limiter).
LOGIN_FAILURES_PER_ACCOUNT = 5
LOGIN_WINDOW = timedelta(minutes=10)
LOGIN_PER_ADDRESS = "20 per 10 minutes"

csrf = CSRFProtect()


class _LoginManager(LoginManager):
    def _update_remember_cookie(self, response):
        # No "remember me" here; Flask-Login's check would read the session on every
        # answer, which adds Vary: Cookie to the public, cacheable API reads.
        return response


class Account:
    """A repository ``User`` as Flask-Login wants it."""

    def __init__(self, user):
        self.user = user
        self.name: str = user.name
        self.role: str = user.role

    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return not self.user.disabled

    def get_id(self) -> str:
        return self.name

    def has_role(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


def repository():
    """The Repository, or None when the map is served read-only from files."""
    return current_app.extensions.get("webmap.repository")


def audit(event: str, user: str | None, **detail) -> None:
    repo = repository()
    if repo is not None:
        repo.audit(event, user, {"address": request.remote_addr, **detail})


# ---------------------------------------------------------------------------
# Who is asking


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def actor() -> Account | None:
    """The signed-in account for this request: the bearer token's user if the request
    carries one, else the session's. None for a visitor."""
    if "webmap_actor" not in g:
        g.webmap_actor = _resolve_actor()
    return g.webmap_actor


def via_token() -> bool:
    return _bearer() is not None


def _resolve_actor() -> Account | None:
    token = _bearer()
    if token is None:
        return current_user if current_user.is_authenticated else None
    repo = repository()
    user = repo.user_for_token(token) if repo is not None and token else None
    if user is None or user.disabled:
        if request.method in UNSAFE:
            audit("token_refused", None, method=request.method, path=request.path)
        return None
    if request.method in UNSAFE:  # reads are public; a tool's writes are what the log is for
        audit("token_write", user.name, method=request.method, path=request.path)
    return Account(user)


class AuthError(ApiError):
    """401 (nobody signed in, or a bad token) or 403 (signed in, role too low)."""


def check_role(role: str) -> Account:
    """The actor, if they have ``role`` (or a higher one); else raise a 401/403."""
    who = actor()
    if who is None:
        if via_token():
            raise AuthError(401, "unauthorized", "the bearer token is not valid (revoked, or its user is disabled)")
        raise AuthError(401, "unauthorized", "sign in, or send an API token (Authorization: Bearer …)")
    if not who.has_role(role):
        raise AuthError(403, "forbidden", f"this needs the {role} role; {who.name} is {who.role}", needed=role)
    return who


def page_role(role: str) -> Account:
    """``check_role`` for an HTML page: a visitor is sent to the sign-in page (and back
    here after), a too-low role gets a 403 page in the page's language."""
    try:
        return check_role(role)
    except AuthError as exc:
        if exc.status == 401:
            lang = request.args.get("lang")
            abort(redirect(url_for("auth.login", next=request.full_path.rstrip("?"), lang=lang)))
        abort(403, description=_("This page is for the map's stewards. Your changes reach them as proposals."))


def require_role(role: str) -> Callable:
    """A view decorator: the view runs only for an actor with ``role`` or higher."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            check_role(role)
            return view(*args, **kwargs)

        return wrapped

    return decorate


# ---------------------------------------------------------------------------
# Cookies: Secure whenever the request came over HTTPS


class SessionInterface(SecureCookieSessionInterface):
    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


# ---------------------------------------------------------------------------
# Pages


class LoginForm(FlaskForm):
    # Labels are in templates/login.html, in the page's language.
    name = StringField(validators=[DataRequired(), Length(max=100)])
    password = PasswordField(validators=[DataRequired(), Length(max=1000)])


class LogoutForm(FlaskForm):
    pass


def _too_many() -> str:
    return _("Too many attempts. Please wait a few minutes and try again.")


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never redirect a sign-in to another host."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("pages.index")


@bp.route("/login", methods=["GET", "POST"])
def login():  # throttled in init_app
    repo = repository()
    if repo is None:
        abort(404, description=_("Editing is not enabled on this map."))
    form = LoginForm()
    status, failed = 200, False
    if request.method == "POST":
        if form.validate_on_submit():  # includes the CSRF token
            name = form.name.data.strip()
            since = datetime.now(UTC) - LOGIN_WINDOW
            if repo.failed_sign_ins(name, since) >= LOGIN_FAILURES_PER_ACCOUNT:
                abort(429, description=_too_many())  # even with the right password: no guessing it
            user = repo.authenticate(name, form.password.data)
            if user is not None:
                login_user(Account(user))
                audit("sign_in", user.name)
                return redirect(_safe_next(request.args.get("next")))
            audit("sign_in_failed", None, account=name)
            failed = True
        status = 401 if failed else 400
    return render_template("login.html", form=form, failed=failed, next=request.args.get("next")), status


@bp.post("/logout")
def logout():
    # The CSRF check ran before this view (a session write), so no other site can sign us out.
    who = actor()
    if who is not None and not via_token():
        audit("sign_out", who.name)
        logout_user()
    return redirect(url_for("pages.index"))


# ---------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config.setdefault("SESSION_COOKIE_SECURE", False)  # True anyway on HTTPS requests
    # Checked in _csrf_for_session_writes below, not on every POST: bearer requests are
    # exempt, and a visitor's write gets its 401 rather than a CSRF 400.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid for the session's life
    app.session_interface = SessionInterface()
    csrf.init_app(app)
    login_manager = _LoginManager(app)
    login_manager.login_view = "auth.login"

    @login_manager.user_loader
    def load_user(name: str):
        repo = app.extensions.get("webmap.repository")
        user = repo.user(name) if repo is not None else None
        return Account(user) if user is not None and not user.disabled else None

    @app.before_request
    def _csrf_for_session_writes():
        if request.method in UNSAFE and not via_token() and current_user.is_authenticated:
            csrf.protect()  # 400 (CSRFError) without a valid token

    @app.after_request
    def _challenge(resp):
        if resp.status_code == 401:  # RFC 9110: a 401 says how to authenticate
            resp.headers.setdefault("WWW-Authenticate", 'Bearer realm="webmap"')
        if g.get("webmap_actor") is not None:
            # A signed-in answer (name, CSRF token, proposals) is never kept by a shared cache.
            resp.headers["Cache-Control"] = "private, no-store"
        return resp

    app.jinja_env.globals["signed_in"] = actor
    app.jinja_env.globals["csrf_token"] = generate_csrf
    app.register_blueprint(bp)

    # One limiter (and one in-memory count) per app, so two apps in one process never share counts.
    limiter = Limiter(get_remote_address, app=app, storage_uri="memory://", default_limits=[])
    app.extensions["webmap.limiter"] = limiter
    view = app.view_functions["auth.login"]
    app.view_functions["auth.login"] = limiter.limit(LOGIN_PER_ADDRESS, methods=["POST"], error_message=_too_many)(view)


__all__ = ["ROLES", "Account", "AuthError", "actor", "audit", "check_role", "require_role", "repository", "via_token"]
