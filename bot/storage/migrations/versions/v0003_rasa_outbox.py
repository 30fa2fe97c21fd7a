"""The outbox: what the desk writes into conversations, kept until Rasa has it.

Revision ID: 0003
Revises: 0002
Created: 2026-12-03

Before it, the desk committed a change (close, release, abandon) and then told Rasa; when Rasa
was down at that moment the conversation kept ``handoff=assigned`` and the bot stayed silent.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Moment = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "rasa_outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("events", sa.Text, nullable=False),
        sa.Column("created_at", Moment, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", Moment, nullable=False),
        sa.Column("claimed_until", Moment),
        sa.Column("last_error", sa.Text),
        sa.Column("delivered_at", Moment),
        sa.Column("failed_at", Moment),
    )
    op.create_index("ix_rasa_outbox_conversation_id", "rasa_outbox", ["conversation_id"])
    op.create_index("ix_rasa_outbox_delivered_at", "rasa_outbox", ["delivered_at"])


def downgrade() -> None:
    op.drop_table("rasa_outbox")
