"""``webmap db``, ``webmap users`` and ``webmap tokens``: the database, its people and
their API tokens, from the command line (registered in ``webmap.cli``). The database is
``WEBMAP_DATABASE_URL`` (default: instance/webmap.sqlite3) or ``--database-url``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from .db.errors import DatabaseError
from .errors import WebmapError
from .problems import DataError
from .settings import SettingsError, load_settings

_URL_HELP = "sqlite:///PATH or postgresql://... [env WEBMAP_DATABASE_URL; a password here shows in `ps`]"


def _settings():
    try:
        return load_settings()
    except SettingsError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)


@contextmanager
def _or_exit() -> Iterator[None]:
    """What a user can fix is one message on stderr and exit code 1, never a traceback."""
    try:
        yield
    except DataError as exc:
        for problem in exc.problems:
            click.echo(f"ERROR {problem}", err=True)
        click.echo(f"{len(exc.problems)} problem(s) found; nothing was changed", err=True)
        sys.exit(1)
    except WebmapError as exc:
        click.echo(f"ERROR {exc.message}", err=True)
        sys.exit(1)
    except DatabaseError as exc:
        click.echo(f"ERROR {exc}", err=True)
        sys.exit(1)


ROLES = ("editor", "steward", "admin")  # webmap.db.repository.ROLES (checked there too)


def _repository(ctx: click.Context):
    obj = ctx.find_root().obj if ctx.find_root().obj is not None else {}
    if "repository" not in obj:
        settings = _settings()
        url = ctx.meta.get("webmap.database_url") or settings.database_url
        if not url:
            click.echo("No database: WEBMAP_DATABASE_URL is `none`; set it or pass --database-url.", err=True)
            sys.exit(2)
        from .db.repository import Repository

        with _or_exit():
            obj["repository"] = Repository.open(url, settings.data_dir)
        ctx.find_root().obj = obj
        ctx.call_on_close(obj["repository"].close)
    return obj["repository"]


def _ready(ctx: click.Context):
    """The repository with its schema up to date (what every command but init needs)."""
    repo = _repository(ctx)
    with _or_exit():
        repo.upgrade()
    return repo


def _url_option(f):
    def remember(ctx, _param, value):
        if value:
            ctx.meta["webmap.database_url"] = value
        return value

    return click.option(
        "--database-url", metavar="URL", help=_URL_HELP, expose_value=False, callback=remember, is_eager=True
    )(f)


# ---------------------------------------------------------------------- db


@click.group()
@_url_option
def db() -> None:
    """The database: create, fill, export, back up, inspect."""


@db.command("init")
@click.option("--data", "data_dir", type=click.Path(path_type=Path), help="Seed from this folder [WEBMAP_DATA_DIR]")
@click.pass_context
def db_init(ctx, data_dir: Path | None) -> None:
    """Create or upgrade the schema; seed it from the data folder when it holds no sites.
    Safe to run again."""
    repo = _repository(ctx)
    with _or_exit():
        seeded = repo.init(data_dir or _settings().data_dir)
        info = repo.status()
    what = "created and seeded from the data folder" if seeded else "already holds data; schema up to date"
    click.echo(
        f"{info['database']}: {what} (schema {info['schema']}, {info['sites']} sites, version {info['version']})"
    )


@db.command("import")
@click.argument("path", type=click.Path(path_type=Path, file_okay=False))
@click.pass_context
def db_import(ctx, path: Path) -> None:
    """Make the published data equal the data folder PATH (validated whole first).

    Changed and new sites get a new revision, sites not in PATH are retired; nothing is
    lost from the history. Invalid data is refused with every problem and nothing changes."""
    repo = _ready(ctx)
    with _or_exit():
        counts = repo.import_data(path)
    summary = ", ".join(f"{v} {k}" for k, v in counts.items())
    click.echo(f"Imported {path} into {repo.masked}: {summary}. Running servers follow within seconds.")


@db.command("export")
@click.argument("outdir", type=click.Path(path_type=Path, file_okay=False))
@click.pass_context
def db_export(ctx, outdir: Path) -> None:
    """Write the published data as a data folder into OUTDIR (e.g. data/): the same
    data always gives the same bytes, so `git diff` shows exactly what was edited."""
    repo = _ready(ctx)
    with _or_exit():
        written = repo.export(outdir)
    click.echo(f"Wrote {len(written)} files to {outdir} from {repo.masked} (photos are not copied).")


@db.command("backup")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.pass_context
def db_backup(ctx, file: Path) -> None:
    """Copy the database to FILE while it is in use (SQLite backup API; PostgreSQL: pg_dump)."""
    repo = _ready(ctx)
    with _or_exit():
        repo.backup(file)
    click.echo(f"Backed up {repo.masked} to {file}")


@db.command("restore")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation")
@click.pass_context
def db_restore(ctx, file: Path, yes: bool) -> None:
    """Replace the database with the backup FILE (made by `webmap db backup`)."""
    repo = _repository(ctx)
    if not yes:
        click.confirm(f"Replace everything in {repo.masked} with {file}?", abort=True)
    with _or_exit():
        info = repo.restore(file)
    click.echo(f"Restored {file} into {repo.masked}: {info['sites']} sites, version {info['version']}")


@db.command("status")
@click.pass_context
def db_status(ctx) -> None:
    """What the database holds: schema, data version, sites, revisions, people."""
    repo = _ready(ctx)
    with _or_exit():
        info = repo.status()
    for key, value in info.items():
        click.echo(f"{key:<10} {value}")


# ---------------------------------------------------------------------- users


@click.group()
@_url_option
def users() -> None:
    """People who edit: editor (proposes), steward (publishes, reviews, reverts), admin (people)."""


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin")
@click.pass_context
def users_add(ctx, name: str, role: str, password_stdin: bool) -> None:
    """Add a user (the password is asked for, or read from stdin)."""
    repo = _ready(ctx)
    password = _read_password(password_stdin)
    with _or_exit():
        repo.add_user(name, role, password)
    click.echo(f"Added {name} ({role})")


@users.command("list")
@click.pass_context
def users_list(ctx) -> None:
    repo = _ready(ctx)
    with _or_exit():
        people = repo.users()
    for u in people:
        click.echo(f"{u.name:<24} {u.role:<8} {'disabled' if u.disabled else 'active'}")


@users.command("disable")
@click.argument("name")
@click.option("--enable", is_flag=True, help="Enable the account again instead")
@click.pass_context
def users_disable(ctx, name: str, enable: bool) -> None:
    """Disable an account: it can no longer sign in, and its tokens stop working."""
    repo = _ready(ctx)
    with _or_exit():
        repo.disable(name, disabled=not enable, by="cli")
    click.echo(f"{'Enabled' if enable else 'Disabled'} {name}")


@users.command("set-role")
@click.argument("name")
@click.argument("role", type=click.Choice(ROLES))
@click.pass_context
def users_set_role(ctx, name: str, role: str) -> None:
    repo = _ready(ctx)
    with _or_exit():
        repo.set_role(name, role, by="cli")
    click.echo(f"{name} is now {role}")


@users.command("set-password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin")
@click.pass_context
def users_set_password(ctx, name: str, password_stdin: bool) -> None:
    repo = _ready(ctx)
    password = _read_password(password_stdin)
    with _or_exit():
        repo.set_password(name, password, by="cli")
    click.echo(f"Changed the password of {name}")


# ---------------------------------------------------------------------- tokens


@click.group()
@_url_option
def tokens() -> None:
    """API tokens for tools (QGIS, scripts): they act with their user's role."""


@tokens.command("create")
@click.argument("user")
@click.option("--label", default="", help="What the token is for (shown in `tokens list`)")
@click.pass_context
def tokens_create(ctx, user: str, label: str) -> None:
    """Print a new bearer token for USER. It is shown only this once (stored hashed)."""
    repo = _ready(ctx)
    with _or_exit():
        token = repo.create_token(user, label)
        made = repo.tokens(user)[-1]
    click.echo(token)
    click.echo(f"token {made.id} for {user}: keep it secret; `webmap tokens revoke {made.id}` ends it", err=True)


@tokens.command("list")
@click.argument("user", required=False)
@click.pass_context
def tokens_list(ctx, user: str | None) -> None:
    repo = _ready(ctx)
    with _or_exit():
        found = repo.tokens(user)
    for x in found:
        state = f"revoked {x.revoked:%Y-%m-%d}" if x.revoked else "active"
        used = f"{x.last_used:%Y-%m-%d %H:%M}" if x.last_used else "never used"
        click.echo(f"{x.id:>4} {x.user:<20} {state:<18} {used:<17} {x.label}")


@tokens.command("revoke")
@click.argument("token_id", type=int)
@click.pass_context
def tokens_revoke(ctx, token_id: int) -> None:
    """End the token TOKEN_ID (see `webmap tokens list`)."""
    repo = _ready(ctx)
    with _or_exit():
        x = repo.revoke_token(token_id, by="cli")
    click.echo(f"Revoked token {x.id} of {x.user}")


def register(main: click.Group) -> None:
    for group in (db, users, tokens):
        main.add_command(group)
