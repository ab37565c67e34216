"""Residents' suggestions and their photos (webmap/suggestions.py).

Revision ID: 0002_suggestions
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_suggestions"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "suggestions",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("site_id", sa.String(200), nullable=True),
        sa.Column("what_is_wrong", sa.Text, nullable=False),
        sa.Column("lon", sa.Float, nullable=True),
        sa.Column("lat", sa.Float, nullable=True),
        sa.Column("contact", sa.Text, nullable=True),
        sa.Column("address_hash", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("steward_reply", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(200), nullable=True),
    )
    op.create_index("suggestions_status_idx", "suggestions", ["status", "created_at"])
    op.create_table(
        "suggestion_photos",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("suggestion_id", sa.String(32), sa.ForeignKey("suggestions.id"), nullable=False),
        sa.Column("photo", sa.String(64), nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("credit", sa.Text, nullable=True),
        sa.Column("licence", sa.String(32), nullable=True),
    )
    op.create_index("suggestion_photos_suggestion_idx", "suggestion_photos", ["suggestion_id"])


def downgrade() -> None:
    op.drop_table("suggestion_photos")
    op.drop_table("suggestions")
