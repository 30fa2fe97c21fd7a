"""Languages: the ones each agent chats in, and the one each waiting customer writes in.

Revision ID: 0010
Revises: 0009
Created: 2026-12-05

``agents.languages``: ISO 639 codes separated by commas ("en,it"); empty for an agent who has
not said (English, the bot's own). ``handoffs.language``: the language the customer wrote in
when they asked for a person (``bot.language``); empty when it was not clear. The queue gives a
customer to a colleague who speaks their language (``bot.handoff.routing``).
``review_messages.language`` and ``review_items.language``: the language a message worth a
look was written in (else its conversation's), and that of a group: the review inbox groups
messages of one language together.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("agents", sa.Column("languages", sa.String(100), nullable=True))
    op.add_column("handoffs", sa.Column("language", sa.String(16), nullable=True))
    op.add_column("review_messages", sa.Column("language", sa.String(16), nullable=True))
    op.add_column("review_items", sa.Column("language", sa.String(16), nullable=True))


def downgrade() -> None:
    for table in ("review_items", "review_messages"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("language")
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_column("language")
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("languages")
