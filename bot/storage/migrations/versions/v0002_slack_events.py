"""The Slack delivery log moves into the desk's database (it was a SQLite file of its own,
``var/slack_events.db``, which PostgreSQL installations could not share between servers).

Revision ID: 0002
Revises: 0001
Created: 2026-12-03

The old file's keys are not copied: they only matter for a day (Slack retries for minutes).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_events",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("handled_at", sa.Float, nullable=False),
    )
    op.create_index("ix_slack_events_handled_at", "slack_events", ["handled_at"])


def downgrade() -> None:
    op.drop_table("slack_events")
