"""A mined review message records what the bot replied and what the customer wrote next.

Revision ID: 0008
Revises: 0007
Created: 2026-12-05

``review_messages.bot_reply`` and ``review_messages.next_message`` (both masked as the message
is): the bot's failed reply and the customer's next message, so a lead sees what went wrong
and what happened next. Messages mined before it have neither.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("review_messages", sa.Column("bot_reply", sa.Text, nullable=True))
    op.add_column("review_messages", sa.Column("next_message", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("review_messages") as batch:
        batch.drop_column("next_message")
        batch.drop_column("bot_reply")
