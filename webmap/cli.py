"""Command line: ``webmap validate``, ``webmap serve``, ``webmap build``; ``webmap db|users|tokens``
(the database, in ``webmap.dbcli``); ``webmap suggestions purge`` (in ``webmap.suggestcli``)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from .catalogue import DataError, load_catalogue
from .db.errors import DatabaseError
from .dbcli import register as _register_db_commands
from .photos import StorageError
from .settings import SettingsError, load_settings
from .suggestcli import suggestions as _suggestions


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Yungang District web map."""


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
def validate(path: Path | None) -> None:
    """Check a data folder, or (without PATH) the database at WEBMAP_DATABASE_URL when
    it holds data (every stored site checked again), else WEBMAP_DATA_DIR or data/.

    Prints every problem and exits 1, or prints a summary and exits 0."""
    settings = _settings() if path is None else None
    repo = None
    if settings is not None and settings.database_url:
        from .db.repository import Repository

        with _or_exit():
            repo = Repository.open(settings.database_url, settings.data_dir)
            if not repo.holds_data():
                repo.close()
                repo = None
    path = repo.masked if repo is not None else (path or settings.data_dir)
    with _or_exit(after=lambda n: f"{n} problem(s) found in {path}"):
        cat = repo.validate() if repo is not None else load_catalogue(path)
    counts = cat.layer_counts()
    located = sum(c["located"] for c in counts.values())
    click.echo(
        f"OK {path}: {len(cat.features)} sites in {len(cat.layers)} layers, "
        f"{located} located, {len(cat.features) - located} location to be confirmed"
    )
    for layer in cat.layers:
        c = counts[layer.id]
        click.echo(f"  {layer.id:<12} {c['total']:>3} sites, {c['located']:>3} located  {layer.name.zh}")


@main.command()
@click.option("--host", default=None, help="Address to listen on [env WEBMAP_HOST, default 127.0.0.1]")
@click.option(
    "--port",
    default=None,
    type=click.IntRange(0, 65535),
    help="Port; 0 picks a free one [env WEBMAP_PORT, default 8000]",
)
@click.option(
    "--from-files",
    is_flag=True,
    help="Serve WEBMAP_DATA_DIR read-only, without a database (as WEBMAP_DATABASE_URL=none)",
)
def serve(host: str | None, port: int | None, from_files: bool) -> None:
    """Serve the map from the database (created and seeded from data/ on first start).
    Refuses to start when the data is invalid."""
    from werkzeug.serving import make_server

    from .web.app import create_app

    overrides = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    if from_files:
        overrides["database_url"] = "none"
    settings = _settings(**overrides)
    with _or_exit("starting", also=(StorageError,)):
        app = create_app(settings)
    server = make_server(settings.host, settings.port, app, threaded=True)
    shown_host = f"[{settings.host}]" if ":" in settings.host else settings.host
    click.echo(
        f"Serving the Yungang District map at http://{shown_host}:{server.server_port}/",
    )
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


@main.command()
@click.argument("outdir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--base-url", default=None, help="Public address of the copy (for canonical links and export URLs)")
def build(outdir: Path, base_url: str | None) -> None:
    """Write the map as a static site into OUTDIR (new or empty folder).

    The copy needs no Python: put it on any static host, or open OUTDIR/index.html."""
    from .web.staticsite import BuildError, build_site

    settings = _settings()
    with _or_exit("building", also=(BuildError,)):
        counts = build_site(outdir, settings, base_url=base_url)
    click.echo(
        f"Built {outdir}: {counts['pages']} pages, {counts['sites']} sites, {counts['photos']} photo(s). "
        f"Open {outdir / 'index.html'} or put the folder on any static host."
    )


@contextmanager
def _or_exit(
    doing: str | None = None,
    after: Callable[[int], str] | None = None,
    also: tuple[type[Exception], ...] = (),
) -> Iterator[None]:
    """Errors a user can fix become messages on stderr and exit code 1, never a
    traceback: every data problem on its own line (headed "Not <doing>: the data is
    invalid." and followed by ``after(number of problems)`` when given), or the one
    database (or ``also``) error."""
    try:
        yield
    except DataError as exc:
        if doing:
            click.echo(f"Not {doing}: the data is invalid.", err=True)
        for problem in exc.problems:
            click.echo(f"ERROR {problem}", err=True)
        if after:
            click.echo(after(len(exc.problems)), err=True)
        sys.exit(1)
    except (DatabaseError, *also) as exc:
        click.echo(f"Not {doing}: {exc}" if doing else f"ERROR {exc}", err=True)
        sys.exit(1)


def _settings(**overrides):
    try:
        return load_settings(**overrides)
    except SettingsError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)


_register_db_commands(main)
main.add_command(_suggestions)

if __name__ == "__main__":
    main()
