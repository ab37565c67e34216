"""``webmap suggestions purge``: delete the contact details (and sender address hashes)
of residents' suggestions closed more than ``WEBMAP_SUGGESTION_RETENTION_DAYS`` ago.
Run it daily (cron or a systemd timer); registered in ``webmap.cli``."""

from __future__ import annotations

import click

from .dbcli import _or_exit, _ready, _settings, _url_option


@click.group()
@_url_option
def suggestions() -> None:
    """Residents' suggestions: retention of their contact details."""


@suggestions.command("purge")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    help="Delete contact details of suggestions closed more than DAYS ago [WEBMAP_SUGGESTION_RETENTION_DAYS]",
)
@click.pass_context
def purge(ctx, days: int | None) -> None:
    """Delete contact details a retention period after each suggestion closed."""
    from .suggestions import Suggestions

    settings = _settings()
    days = days or settings.suggestion_retention_days
    repo = _ready(ctx)
    with _or_exit():
        count = Suggestions(repo, settings.uploads_dir).purge(days)
    click.echo(f"Deleted the contact details of {count} suggestion(s) closed more than {days} days ago")
