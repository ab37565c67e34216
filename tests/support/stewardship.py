"""Helpers for the stewardship tests: an editable app on a real SQLite file, accounts
and tokens made through the Repository, and signing in the way a browser does (the
sign-in form with its CSRF token)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .data import DATA

PASSWORD = "correct horse battery staple"
ACCOUNTS = {"ed": "editor", "ed2": "editor", "stew": "steward", "root": "admin"}
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|<meta name="csrf-token" content="([^"]+)"')


@dataclass
class Editable:
    """An editable map: the database URL, its Repository and a bearer token per account."""

    url: str
    repo: object
    tokens: dict[str, str]


_TEMPLATES: dict[Path, Editable] = {}


def make_database(tmp: Path, data_dir: Path = DATA) -> Editable:
    """A fresh SQLite file in ``tmp``, seeded from ``data_dir``, with the ACCOUNTS and a
    token each. Seeding and hashing passwords take seconds, so it is done once per data
    folder and session, and each test gets a copy (the Repository's own online backup)."""
    import tempfile

    from webmap.db.repository import Repository

    template = _TEMPLATES.get(data_dir)
    if template is None:
        folder = Path(tempfile.mkdtemp(prefix="webmap-steward-"))
        url = f"sqlite:///{folder / 'template.sqlite3'}"
        repo = Repository.open(url, data_dir)
        repo.init(data_dir)
        tokens = {}
        for name, role in ACCOUNTS.items():
            repo.add_user(name, role, PASSWORD)
            tokens[name] = repo.create_token(name, "tests")
        template = _TEMPLATES[data_dir] = Editable(url, repo, tokens)
    target = tmp / "webmap.sqlite3"
    template.repo.backup(target)
    url = f"sqlite:///{target}"
    return Editable(url, Repository.open(url, data_dir), dict(template.tokens))


def csrf_from(html: str) -> str:
    m = _CSRF.search(html)
    assert m, "no CSRF token in the page"
    return m.group(1) or m.group(2)


def sign_in(client, name: str, password: str = PASSWORD) -> str:
    """Sign in through the form; returns the CSRF token for the session's writes."""
    token = csrf_from(client.get("/login").get_data(as_text=True))
    resp = client.post("/login", data={"name": name, "password": password, "csrf_token": token})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    return csrf_from(client.get("/sites/").get_data(as_text=True))


def bearer(token: str, **headers) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}
