"""The stewardship database: sites with revisions, users, tokens, audit (``repository``),
its tables (``tables``) and migrations (``migrate``). SQLAlchemy 2 + Alembic; no Flask."""
