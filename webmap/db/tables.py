"""The database schema as SQLAlchemy Core tables: what the queries in ``repository`` are
written against. The migrations in ``migrations/versions`` create exactly these (a test
compares them); change both together, with a new migration. No Flask here."""

from __future__ import annotations

import json

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)


def dumps(obj) -> str:
    """How JSON columns are written: UTF-8 text as is, key order kept, no spaces."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


metadata = MetaData()

# One row per site ever published: its current published state. Never deleted (retired).
sites = Table(
    "sites",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("ord", Integer, nullable=False, unique=True),  # catalogue order (sites.geojson order)
    Column("revision", Integer, nullable=False),  # n of the published revision this row holds
    Column("retired", Boolean, nullable=False, default=False),
    Column("feature", JSON, nullable=False),  # the GeoJSON Feature as written (key order kept)
    Column("served", JSON, nullable=False),  # the same, validated and normalised: what the API serves
    Column("changed", Integer, nullable=False),  # the data version of its last published change
)
Index("sites_changed_idx", sites.c.changed)

# Every change, proposed or published: who, when, why, the full before and after.
revisions = Table(
    "revisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("site_id", String(200), nullable=False),  # no FK: a proposed new site has no row yet
    Column("n", Integer, nullable=False),
    Column("author", String(200), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("comment", Text, nullable=False),
    Column("before", JSON, nullable=True),
    Column("after", JSON, nullable=True),  # None: the site was retired
    Column("state", String(16), nullable=False),  # published | pending | rejected
    Column("base", Integer, nullable=True),  # the published revision a proposal was made against
    Column("decided_by", String(200), nullable=True),
    Column("reason", Text, nullable=True),
    UniqueConstraint("site_id", "n", name="revisions_site_n"),
)
Index("revisions_state_idx", revisions.c.state)

users = Table(
    "users",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", Text, nullable=False),  # argon2id
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created", DateTime(timezone=True), nullable=False),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("hash", String(64), nullable=False, unique=True),  # sha256 hex of the token
    Column("user", String(200), ForeignKey("users.name"), nullable=False),
    Column("label", Text, nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("last_used", DateTime(timezone=True), nullable=True),
    Column("revoked", DateTime(timezone=True), nullable=True),
)

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("event", String(64), nullable=False),
    Column("user", String(200), nullable=True),
    Column("detail", JSON, nullable=False),
)

# The non-site data documents (layers.json, themes.json, ...) exactly as imported, and the
# FeatureCollection's own members (sites.geojson without its features).
documents = Table(
    "documents",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("text", Text, nullable=False),
)

# One row: the data version, bumped by every published change (other processes poll it).
version = Table(
    "version",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("n", Integer, nullable=False),
)

# Residents' suggestions (webmap/suggestions.py): what is wrong, optionally where it really
# is, optionally how to reach the suggester (stewards only; ``contact`` and ``address_hash``
# are cleared a retention period after the suggestion closes). ``id`` is random and
# unguessable: the suggester's status page link is the only way to it.
suggestions = Table(
    "suggestions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("site_id", String(200), nullable=True),  # no FK: a site may be retired or renamed later
    Column("what_is_wrong", Text, nullable=False),
    Column("lon", Float, nullable=True),  # a proposed location: both or neither
    Column("lat", Float, nullable=True),
    Column("contact", Text, nullable=True),  # stewards only, never public, never exported
    Column("address_hash", String(64), nullable=True),  # keyed hash of the sender's address, same rule
    Column("status", String(16), nullable=False),  # open | answered | accepted | rejected
    Column("steward_reply", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True), nullable=True),
    Column("decided_by", String(200), nullable=True),
)
Index("suggestions_status_idx", suggestions.c.status, suggestions.c.created_at)

# Photos sent with a suggestion, already re-encoded by webmap/photo_ingest.py; ``photo``
# is the stored file's SHA-256 (webmap/suggestion_photos.py). Not shown to visitors.
suggestion_photos = Table(
    "suggestion_photos",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("suggestion_id", String(32), ForeignKey("suggestions.id"), nullable=False),
    Column("photo", String(64), nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("credit", Text, nullable=True),
    Column("licence", String(32), nullable=True),  # a key of photo_ingest.LICENCES
)
Index("suggestion_photos_suggestion_idx", suggestion_photos.c.suggestion_id)
