"""Command line: ``webmap validate``, ``webmap serve`` and ``webmap build``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .catalogue import DataError, load_catalogue
from .settings import SettingsError, load_settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Yungang District web map."""


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
def validate(path: Path | None) -> None:
    """Check a data folder (default: WEBMAP_DATA_DIR or the shipped data/).

    Prints every problem and exits 1, or prints a summary and exits 0."""
    if path is None:
        path = _settings().data_dir
    try:
        cat = load_catalogue(path)
    except DataError as exc:
        for problem in exc.problems:
            click.echo(f"ERROR {problem}", err=True)
        click.echo(f"{len(exc.problems)} problem(s) found in {path}", err=True)
        sys.exit(1)
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

    from . import create_app

    overrides = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    settings = _settings(**overrides)
    try:
        app = create_app(settings)
    except DataError as exc:
        click.echo("Not starting: the data is invalid.", err=True)
        for problem in exc.problems:
            click.echo(f"ERROR {problem}", err=True)
        sys.exit(1)
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
    try:
        counts = build_site(outdir, settings, base_url=base_url)
    except DataError as exc:
        click.echo("Not building: the data is invalid.", err=True)
        for problem in exc.problems:
            click.echo(f"ERROR {problem}", err=True)
        sys.exit(1)
    except BuildError as exc:
        click.echo(f"Not building: {exc}", err=True)
        sys.exit(1)
    click.echo(
        f"Built {outdir}: {counts['pages']} pages, {counts['sites']} sites, {counts['photos']} photo(s). "
        f"Open {outdir / 'index.html'} or put the folder on any static host."
    )


def _settings(**overrides):
    try:
        return load_settings(**overrides)
    except SettingsError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
