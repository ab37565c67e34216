"""What the database refuses, as exceptions: importable without SQLAlchemy (the CLI
catches them before it loads anything heavy). ``webmap.db.repository`` raises them."""

from __future__ import annotations

from typing import Any

from ..errors import WebmapError


class DatabaseError(Exception):
    """The database cannot be used (unreachable, read-only, full, not a webmap database).
    The message names the database by its masked URL and never contains a password."""


class Conflict(WebmapError):
    """The thing changed (or exists) since the caller read it. ``current`` is what is
    stored now (a ``repository.StoredSite``, or None), ``changed`` the fields that differ."""

    status = 409
    code = "conflict"

    def __init__(self, message: str, current: Any = None, changed: list[str] | None = None):
        super().__init__(message)
        self.current = current
        self.changed = changed or []

    def body(self) -> dict[str, Any]:
        body = super().body()
        body["error"]["changed"] = self.changed
        if self.current is not None:
            body["error"]["current_revision"] = self.current.revision
        return body


class NotFound(WebmapError):
    status = 404
    code = "not_found"


class Invalid(WebmapError):
    """A bad argument that is not site data (a role, a password, a comment)."""

    status = 400
    code = "invalid"


__all__ = ["Conflict", "DatabaseError", "Invalid", "NotFound"]
