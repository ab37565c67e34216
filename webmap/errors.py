"""The one base class of request-time errors: something the caller sent can be fixed,
and the answer says what and where. ``webmap.web.errors`` has the one handler that turns
every ``WebmapError`` into its 4xx (JSON under /api, a page elsewhere). No Flask here."""

from __future__ import annotations

from typing import Any


class WebmapError(Exception):
    """An HTTP ``status``, a machine-readable ``code``, a ``message`` for people and
    ``detail`` (e.g. ``parameter``, ``allowed``, ``field``) naming where the fault is."""

    status: int = 400
    code: str = "bad_request"

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None, **detail: Any):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        self.detail = {k: v for k, v in detail.items() if v is not None}

    def body(self) -> dict[str, Any]:
        """The JSON body of the answer."""
        return {"error": {"status": self.status, "code": self.code, "message": self.message, **self.detail}}


class ApiError(WebmapError):
    """A request-time error raised by the web adapters themselves (404s, missing input)."""

    def __init__(self, status: int, code: str, message: str, **detail):
        super().__init__(message, status=status, code=code, **detail)
