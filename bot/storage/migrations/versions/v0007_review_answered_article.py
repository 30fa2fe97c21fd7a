"""A mined review message records the article the bot answered it with.

Revision ID: 0007
Revises: 0006
Created: 2026-12-04

``review_messages.answered_article``: the knowledge-base article the bot answered the message
with outright (mining's ``answered_article``), so a lead sees a confident wrong answer's
article and the inbox can count wrong answers per article. Messages mined before it have none.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("review_messages", sa.Column("answered_article", sa.String(100), nullable=True))
    op.create_index("ix_review_messages_answered_article", "review_messages", ["answered_article"])


def downgrade() -> None:
    op.drop_index("ix_review_messages_answered_article", table_name="review_messages")
    with op.batch_alter_table("review_messages") as batch:
        batch.drop_column("answered_article")
