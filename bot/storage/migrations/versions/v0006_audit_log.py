"""The team's audit log: who read or changed what, and when.

Revision ID: 0006
Revises: 0005
Created: 2026-12-04

One row per console or API request that read one customer's record or changed anything
(``bot.web.audit``), and per ``supportbot privacy`` erasure or export.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("actor", sa.String(255), nullable=False, index=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("target", sa.String(500), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("audit_log")
