"""People and their tokens, and the audit log, as a part of ``Repository``: local accounts
with argon2 password hashes, bearer tokens stored as their SHA-256, every change audited."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from . import tables as t
from .engine import aware as _aware
from .engine import now as _now
from .errors import Conflict, Invalid, NotFound

ROLES = ("editor", "steward", "admin")
MIN_PASSWORD = 10
TOKEN_PREFIX = "wm_"


@dataclass(frozen=True)
class User:
    name: str
    role: str
    disabled: bool


@dataclass(frozen=True)
class Token:
    id: int
    user: str
    label: str
    created: datetime
    last_used: datetime | None
    revoked: datetime | None


class Accounts:
    """Users, tokens and the audit log; mixed into ``Repository`` (its ``_read``/``_write``
    transactions and ``_hasher``)."""

    def add_user(self, name: str, role: str, password: str) -> User:
        _check_role(role)
        if not name or len(name) > 200 or name != name.strip():
            raise Invalid("a user name is 1 to 200 characters, without spaces around it", field="name")
        if len(password) < MIN_PASSWORD:
            raise Invalid(f"the password must have at least {MIN_PASSWORD} characters", field="password")
        with self._write("adding a user") as conn:
            if conn.execute(select(t.users.c.name).where(t.users.c.name == name)).first():
                raise Conflict(f"user {name!r} already exists")
            conn.execute(
                insert(t.users).values(
                    name=name, role=role, password_hash=self._hasher.hash(password), disabled=False, created=_now()
                )
            )
            self._audit(conn, "user_added", None, {"name": name, "role": role})
        return User(name, role, False)

    def users(self) -> list[User]:
        with self._read() as conn:
            rows = conn.execute(select(t.users.c.name, t.users.c.role, t.users.c.disabled).order_by(t.users.c.name))
            return [User(r.name, r.role, bool(r.disabled)) for r in rows]

    def user(self, name: str) -> User | None:
        with self._read() as conn:
            r = conn.execute(select(t.users.c.name, t.users.c.role, t.users.c.disabled).where(t.users.c.name == name))
            r = r.first()
            return User(r.name, r.role, bool(r.disabled)) if r else None

    def set_role(self, name: str, role: str, *, by: str | None = None) -> User:
        _check_role(role)
        return self._change_user(name, "role_changed", by, role=role)

    def disable(self, name: str, *, by: str | None = None, disabled: bool = True) -> User:
        return self._change_user(name, "user_disabled" if disabled else "user_enabled", by, disabled=disabled)

    def set_password(self, name: str, password: str, *, by: str | None = None) -> User:
        if len(password) < MIN_PASSWORD:
            raise Invalid(f"the password must have at least {MIN_PASSWORD} characters", field="password")
        return self._change_user(name, "password_changed", by, password_hash=self._hasher.hash(password))

    def _change_user(self, name: str, event_name: str, by: str | None, **values) -> User:
        with self._write("changing a user") as conn:
            if not conn.execute(update(t.users).where(t.users.c.name == name).values(**values)).rowcount:
                raise NotFound(f"no user {name!r}", user=name)
            shown = {k: v for k, v in values.items() if k != "password_hash"}
            self._audit(conn, event_name, by, {"name": name, **shown})
            r = conn.execute(select(t.users.c.role, t.users.c.disabled).where(t.users.c.name == name)).one()
            return User(name, r.role, bool(r.disabled))

    def authenticate(self, name: str, password: str) -> User | None:
        """The user, if the password is right and the account enabled; else None (the
        same work is done for an unknown name, so timing does not tell names apart)."""
        from argon2.exceptions import InvalidHashError, VerificationError

        with self._read() as conn:
            r = conn.execute(select(t.users).where(t.users.c.name == name)).first()
        stored = r.password_hash if r else _DUMMY_HASH.get(self._hasher)
        try:
            self._hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if r is None or r.disabled:
            return None
        if self._hasher.check_needs_rehash(stored):
            with self._write("rehashing a password") as conn:
                conn.execute(
                    update(t.users).where(t.users.c.name == name).values(password_hash=self._hasher.hash(password))
                )
        return User(r.name, r.role, False)

    def create_token(self, user: str, label: str = "") -> str:
        """A new bearer token for ``user``: returned once, stored only as its SHA-256."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._write("creating a token") as conn:
            if not conn.execute(select(t.users.c.name).where(t.users.c.name == user)).first():
                raise NotFound(f"no user {user!r}", user=user)
            conn.execute(insert(t.tokens).values(hash=_token_hash(token), user=user, label=label, created=_now()))
            self._audit(conn, "token_created", user, {"label": label})
        return token

    def tokens(self, user: str | None = None) -> list[Token]:
        with self._read() as conn:
            q = select(t.tokens).order_by(t.tokens.c.id)
            if user is not None:
                q = q.where(t.tokens.c.user == user)
            return [
                Token(r.id, r.user, r.label, _aware(r.created), _aware(r.last_used), _aware(r.revoked))
                for r in conn.execute(q)
            ]

    def revoke_token(self, token_id: int, *, by: str | None = None) -> Token:
        with self._write("revoking a token") as conn:
            q = update(t.tokens).where(t.tokens.c.id == token_id, t.tokens.c.revoked.is_(None)).values(revoked=_now())
            if not conn.execute(q).rowcount:
                raise NotFound(f"no active token {token_id}", token=token_id)
            self._audit(conn, "token_revoked", by, {"token": token_id})
        return next(x for x in self.tokens() if x.id == token_id)

    def user_for_token(self, token: str) -> User | None:
        """The token's user (with the user's current role), or None: unknown, revoked,
        or the user is disabled. Records when the token was last used (once a minute)."""
        if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX):
            return None
        with self._read() as conn:
            q = (
                select(t.tokens.c.id, t.tokens.c.last_used, t.users.c.name, t.users.c.role, t.users.c.disabled)
                .join(t.users, t.users.c.name == t.tokens.c.user)
                .where(t.tokens.c.hash == _token_hash(token), t.tokens.c.revoked.is_(None))
            )
            r = conn.execute(q).first()
        if r is None or r.disabled:
            return None
        now = _now()
        last = _aware(r.last_used)
        if last is None or (now - last).total_seconds() > 60:
            with self._write("recording token use") as conn:
                conn.execute(update(t.tokens).where(t.tokens.c.id == r.id).values(last_used=now))
                self._audit(conn, "token_used", r.name, {"token": r.id})
        return User(r.name, r.role, False)

    def audit(self, event: str, user: str | None, detail: dict) -> None:
        with self._write("writing the audit log") as conn:
            self._audit(conn, event, user, detail)

    def _audit(self, conn: Connection, event_name: str, user: str | None, detail: dict) -> None:
        conn.execute(insert(t.audit).values(at=_now(), event=event_name, user=user, detail=detail))

    def failed_sign_ins(self, account: str, since: datetime) -> int:
        """Failed sign-ins to ``account`` (any case) since ``since``, from the audit log: a
        count every worker process and every restart shares, unlike an in-memory limiter."""
        key = account.strip().casefold()
        with self._read() as conn:
            q = select(t.audit.c.detail).where(t.audit.c.event == "sign_in_failed", t.audit.c.at >= since)
            return sum(1 for (detail,) in conn.execute(q) if str(detail.get("account", "")).casefold() == key)

    def audit_log(self, limit: int = 100) -> list[dict]:
        with self._read() as conn:
            q = select(t.audit).order_by(t.audit.c.id.desc()).limit(limit)
            return [{"at": _aware(r.at), "event": r.event, "user": r.user, "detail": r.detail} for r in conn.execute(q)]


class _DummyHash:
    """A hash to verify against for unknown user names (made once, lazily)."""

    def __init__(self) -> None:
        self._hash: str | None = None

    def get(self, hasher) -> str:
        if self._hash is None:
            self._hash = hasher.hash(secrets.token_hex(16))
        return self._hash


_DUMMY_HASH = _DummyHash()


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise Invalid(f"unknown role {role!r}; use {', '.join(ROLES)}", field="role", allowed=list(ROLES))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
