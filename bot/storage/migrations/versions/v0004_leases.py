"""Leases: the desk's timed work runs once in a cluster.

Revision ID: 0004
Revises: 0003
Created: 2026-12-03

Before it, every web process ran the desk's timers, so with two of them a waiting customer
heard "you are now #2" twice and the agents' Slack channel saw every waiting customer twice.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Moment = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("taken_at", Moment, nullable=False),
        sa.Column("expires_at", Moment, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("leases")
