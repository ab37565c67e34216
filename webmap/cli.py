"""Command line: ``webmap validate``, ``webmap serve``, ``webmap build`` and ``webmap db``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from .catalogue import DataError, load_catalogue
from .pg import DatabaseError
from .photos import StorageError
from .settings import SettingsError, load_settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Yungang District web map."""


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
def validate(path: Path | None) -> None:
    """Check a data folder (default: the database when WEBMAP_DATABASE_URL is set,
    else WEBMAP_DATA_DIR or the shipped data/).

    Prints every problem and exits 1, or prints a summary and exits 0."""
    settings = _settings() if path is None else None
    from_db = settings is not None and settings.database_url
    if from_db:
        from .pg import load_catalogue_from_db, mask_url

        path = mask_url(settings.database_url)
    else:
        path = path or settings.data_dir
    with _or_exit(after=lambda n: f"{n} problem(s) found in {path}"):
        cat = load_catalogue_from_db(settings.database_url, settings.data_dir) if from_db else load_catalogue(path)
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
def serve(host: str | None, port: int | None) -> None:
    """Serve the map. Refuses to start when the data is invalid."""
    from werkzeug.serving import make_server

    from .web.app import create_app

    overrides = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
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


@main.group()
def db() -> None:
    """The PostGIS backend: fill and inspect the database at WEBMAP_DATABASE_URL."""


_URL_OPTION = click.option(
    "--database-url",
    default=None,
    metavar="URL",
    help="postgresql://... [env WEBMAP_DATABASE_URL; prefer the variable: a password here shows in `ps`]",
)


def _database_url(given: str | None) -> str:
    url = given or _settings().database_url
    if not url:
        click.echo("No database: set WEBMAP_DATABASE_URL (or pass --database-url).", err=True)
        sys.exit(2)
    return url


@db.command("import")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@_URL_OPTION
def db_import(path: Path | None, database_url: str | None) -> None:
    """Validate a data folder (default: WEBMAP_DATA_DIR or the shipped data/) and
    replace the database's data with it, in one transaction.

    Invalid data is refused with every problem listed, and the database is left as it
    was. Photos are not imported: they stay in the data folder the server reads."""
    from .pg import import_data, mask_url

    url = _database_url(database_url)
    path = path or _settings().data_dir
    with _or_exit(after=lambda n: f"{n} problem(s) found in {path}; nothing imported, the database is unchanged"):
        result = import_data(url, path)
    click.echo(
        f"Imported {result.sites} sites ({result.located} located) from {path} into {mask_url(url)}: "
        f"data version {result.version}. Restart running servers (one at a time) to serve it."
    )


@db.command("status")
@_URL_OPTION
def db_status(database_url: str | None) -> None:
    """Show what the database holds: data version, import time, source folder, counts."""
    from .pg import mask_url, status

    url = _database_url(database_url)
    with _or_exit():
        info = status(url)
    click.echo(f"{mask_url(url)}")
    for key in ("version", "imported_at", "source", "sites", "located"):
        click.echo(f"  {key:<12} {info.get(key, '-')}")


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


if __name__ == "__main__":
    main()
