"""Console users can be disabled, and can be made to choose their own password.

Revision ID: 0005
Revises: 0004
Created: 2026-12-04

``disabled_at``: a disabled user keeps their history but cannot sign in. ``must_change_password``:
the first admin's password is printed once by ``supportbot run``; they must replace it before
the console lets them do anything else.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

Moment = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("agents", sa.Column("disabled_at", Moment, nullable=True))
    op.add_column(
        "agents",
        sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("must_change_password")
        batch.drop_column("disabled_at")
