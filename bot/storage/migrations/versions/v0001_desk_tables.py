"""The support desk's tables as the first wave left them (before migrations existed).

Revision ID: 0001
Revises:
Created: 2026-12-03

Databases written before migrations existed already hold some or all of these tables, made
by ``create_all`` when each part of the desk was first used (and a table made early may lack
a column added later). So this revision creates only what is missing: each missing table,
each missing column (all of them nullable), each missing index. Nothing is dropped or
rewritten, so such a database keeps every row.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Moment = sa.DateTime(timezone=True)


def _tables() -> list[tuple[str, list[sa.Column], list[str]]]:
    """(table, columns, indexed columns) as the first wave declared them."""
    return [
        (
            "handoffs",
            [
                sa.Column("id", sa.String(36), primary_key=True),
                sa.Column("conversation_id", sa.String(255), nullable=False),
                sa.Column("channel", sa.String(64), nullable=False),
                sa.Column("status", sa.String(16), nullable=False),
                sa.Column("priority", sa.String(16), nullable=False),
                sa.Column("priority_rank", sa.Integer, nullable=False),
                sa.Column("reason", sa.Text, nullable=False),
                sa.Column("requested_at", Moment, nullable=False),
                sa.Column("waiting_since", Moment, nullable=False),
                sa.Column("agent", sa.String(255)),
                sa.Column("assigned_at", Moment),
                sa.Column("ended_at", Moment),
                sa.Column("note", sa.Text),
                sa.Column("contact", sa.Text),
                sa.Column("message", sa.Text),
            ],
            ["conversation_id", "status"],
        ),
        (
            "handoff_events",
            [
                sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                sa.Column("handoff_id", sa.String(36), nullable=False),
                sa.Column("action", sa.String(32), nullable=False),
                sa.Column("from_status", sa.String(16)),
                sa.Column("to_status", sa.String(16), nullable=False),
                sa.Column("actor", sa.String(255), nullable=False),
                sa.Column("reason", sa.Text, nullable=False),
                sa.Column("at", Moment, nullable=False),
            ],
            ["handoff_id"],
        ),
        (
            "agent_presence",
            [
                sa.Column("agent", sa.String(255), primary_key=True),
                sa.Column("presence", sa.String(16), nullable=False),
                sa.Column("capacity", sa.Integer, nullable=False),
                sa.Column("updated_at", Moment, nullable=False),
            ],
            [],
        ),
        (
            "agent_heartbeats",
            [
                sa.Column("agent", sa.String(255), primary_key=True),
                sa.Column("seen_at", Moment, nullable=False),
            ],
            [],
        ),
        (
            "customer_activity",
            [
                sa.Column("conversation_id", sa.String(255), primary_key=True),
                sa.Column("typing_at", Moment),
                sa.Column("left_at", Moment),
            ],
            [],
        ),
        (
            "agents",
            [
                sa.Column("name", sa.String(64), primary_key=True),
                sa.Column("password_hash", sa.String(255), nullable=False),
                sa.Column("role", sa.String(16), nullable=False),
                sa.Column("created_at", Moment, nullable=False),
            ],
            [],
        ),
        (
            "agent_sessions",
            [
                sa.Column("token_hash", sa.String(64), primary_key=True),
                sa.Column("agent", sa.String(64), nullable=False),
                sa.Column("csrf_token", sa.String(64), nullable=False),
                sa.Column("expires_at", Moment, nullable=False),
            ],
            ["agent"],
        ),
        (
            "sign_in_failures",
            [
                sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                sa.Column("who", sa.String(128), nullable=False),
                sa.Column("at", Moment, nullable=False),
            ],
            ["who"],
        ),
        (
            "complaints",
            [
                sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                sa.Column("conversation_id", sa.String(255), nullable=False),
                sa.Column("channel", sa.String(64), nullable=False),
                sa.Column("priority", sa.String(16), nullable=False),
                sa.Column("reason", sa.Text, nullable=False),
                sa.Column("message", sa.Text, nullable=False),
                sa.Column("transcript", sa.Text, nullable=False),
                sa.Column("opened_at", Moment, nullable=False),
                sa.Column("first_response_due", Moment),
                sa.Column("resolution_due", Moment),
                sa.Column("first_response_at", Moment),
                sa.Column("first_response_by", sa.String(255)),
                sa.Column("resolved_at", Moment),
                sa.Column("resolved_by", sa.String(255)),
                sa.Column("resolution_note", sa.Text),
                sa.Column("status", sa.String(16), nullable=False),
            ],
            ["conversation_id", "opened_at", "status"],
        ),
        (
            "followups",
            [
                sa.Column("id", sa.String(36), primary_key=True),
                sa.Column("conversation_id", sa.String(255), nullable=False),
                sa.Column("channel", sa.String(64), nullable=False),
                sa.Column("opened_at", Moment, nullable=False),
                sa.Column("reason", sa.Text, nullable=False),
                sa.Column("score", sa.Integer),
                sa.Column("comment", sa.Text),
                sa.Column("stage", sa.String(16), nullable=False),
                sa.Column("agent", sa.String(255)),
                sa.Column("status", sa.String(16), nullable=False),
                sa.Column("closed_by", sa.String(255)),
                sa.Column("closed_at", Moment),
                sa.Column("note", sa.Text),
                sa.Column("notified_at", Moment),
            ],
            ["conversation_id", "opened_at", "status"],
        ),
        (
            "review_items",
            [
                sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                sa.Column("status", sa.String(16), nullable=False),
                sa.Column("text", sa.Text, nullable=False),
                sa.Column("size", sa.Integer, nullable=False),
                sa.Column("conversations", sa.Integer, nullable=False),
                sa.Column("asked_for_person", sa.Integer, nullable=False),
                sa.Column("score", sa.Float, nullable=False),
                sa.Column("last_seen", Moment, nullable=False),
                sa.Column("signals", sa.Text, nullable=False),
                sa.Column("predicted_intent", sa.String(64)),
                sa.Column("confidence", sa.Float),
                sa.Column("suggestion", sa.Text, nullable=False),
                sa.Column("decision", sa.Text),
                sa.Column("decided_by", sa.String(255)),
                sa.Column("decided_at", Moment),
            ],
            ["status"],
        ),
        (
            "review_messages",
            [
                sa.Column("key", sa.String(300), primary_key=True),
                sa.Column("item_id", sa.Integer, nullable=False),
                sa.Column("conversation_id", sa.String(255), nullable=False),
                sa.Column("sent_at", Moment, nullable=False),
                sa.Column("text", sa.Text, nullable=False),
                sa.Column("intent", sa.String(64)),
                sa.Column("confidence", sa.Float, nullable=False),
                sa.Column("signals", sa.Text, nullable=False),
                sa.Column("model_id", sa.String(64)),
                sa.Column("asked_for_person", sa.Boolean, nullable=False),
            ],
            ["item_id"],
        ),
        (
            "review_audit",
            [
                sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                sa.Column("at", Moment, nullable=False),
                sa.Column("actor", sa.String(255), nullable=False),
                sa.Column("item_id", sa.Integer),
                sa.Column("action", sa.String(32), nullable=False),
                sa.Column("detail", sa.Text, nullable=False),
            ],
            [],
        ),
        (
            "review_state",
            [
                sa.Column("name", sa.String(64), primary_key=True),
                sa.Column("value", sa.Integer, nullable=False),
            ],
            [],
        ),
    ]


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    existing = set(inspector.get_table_names())
    for name, columns, indexed in _tables():
        if name not in existing:
            op.create_table(name, *columns)
        else:
            have = {c["name"] for c in inspector.get_columns(name)}
            missing = [c for c in columns if c.name not in have]
            if missing:
                with op.batch_alter_table(name) as batch:
                    for column in missing:
                        # Rows written before the column existed have no value for it.
                        column.nullable = True
                        batch.add_column(column)
        indexes = (
            set() if name not in existing else {i["name"] for i in inspector.get_indexes(name)}
        )
        for column_name in indexed:
            index = f"ix_{name}_{column_name}"
            if index not in indexes:
                op.create_index(index, name, [column_name])


def downgrade() -> None:
    for name, _columns, _indexed in reversed(_tables()):
        op.drop_table(name)
