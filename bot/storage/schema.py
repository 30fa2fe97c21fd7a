"""Every table of supportbot's own database, in one ``MetaData``.

The support desk's database (``SUPPORTBOT_DATABASE_URL``; ``var/desk.db`` by default) holds
the handoff queue and its history, agents and their sessions, presence, customer activity,
complaint tickets, follow-ups, the review inbox, files sent in live chats and the Slack
delivery log. Rasa's tracker store (``SUPPORTBOT_TRACKER_URL``) is Rasa's own and is not
described here.

Only ``bot.storage`` reads or writes these tables; the schema of an existing database follows
this file through the migrations in ``bot/storage/migrations`` (``supportbot db upgrade``).
A change here needs a new migration: ``tests/integration/test_migrations.py`` fails until
the migrations produce exactly these tables.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

Moment = sa.DateTime(timezone=True)

# -- the handoff queue ------------------------------------------------------------------------

handoffs = sa.Table(
    "handoffs",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
    sa.Column("channel", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("priority", sa.String(16), nullable=False),
    sa.Column("priority_rank", sa.Integer, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("requested_at", Moment, nullable=False),
    sa.Column("waiting_since", Moment, nullable=False),
    sa.Column("agent", sa.String(255)),
    sa.Column("assigned_at", Moment),
    sa.Column("ended_at", Moment),
    sa.Column("note", sa.Text),
    # A message left for the team (nobody available): how to reach the customer, and what.
    sa.Column("contact", sa.Text),
    sa.Column("message", sa.Text),
    sa.Column("language", sa.String(16)),  # the customer's, when clear (migration 0010)
)
#: Every status change of a handoff: who, why, when (``bot.handoff.lifecycle``).
handoff_events = sa.Table(
    "handoff_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("handoff_id", sa.String(36), nullable=False, index=True),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("from_status", sa.String(16)),
    sa.Column("to_status", sa.String(16), nullable=False),
    sa.Column("actor", sa.String(255), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("at", Moment, nullable=False),
)
agent_presence = sa.Table(
    "agent_presence",
    metadata,
    sa.Column("agent", sa.String(255), primary_key=True),
    sa.Column("presence", sa.String(16), nullable=False),
    sa.Column("capacity", sa.Integer, nullable=False),
    sa.Column("updated_at", Moment, nullable=False),
)
#: When each agent was last heard from: an open console, or any call to the agent API.
agent_heartbeats = sa.Table(
    "agent_heartbeats",
    metadata,
    sa.Column("agent", sa.String(255), primary_key=True),
    sa.Column("seen_at", Moment, nullable=False),
)
#: Whether a customer with the team is typing, and whether their chat page is still open.
customer_activity = sa.Table(
    "customer_activity",
    metadata,
    sa.Column("conversation_id", sa.String(255), primary_key=True),
    sa.Column("typing_at", Moment),  # the latest keystroke reported
    sa.Column("left_at", Moment),  # the last open chat page closed
)

# -- console users ------------------------------------------------------------------------------

agents = sa.Table(
    "agents",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("created_at", Moment, nullable=False),
    sa.Column("disabled_at", Moment, nullable=True),  # disabled: cannot sign in (migration 0005)
    # Must choose their own password before anything else (the first admin; migration 0005).
    sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("languages", sa.String(100)),  # "en,it"; empty: English (migration 0010)
)
agent_sessions = sa.Table(
    "agent_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("agent", sa.String(64), nullable=False, index=True),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("expires_at", Moment, nullable=False),
)
sign_in_failures = sa.Table(
    "sign_in_failures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("who", sa.String(128), nullable=False, index=True),  # name:<n>|<ip> or address:<ip>
    sa.Column("at", Moment, nullable=False),
)

#: Who in the team read one customer's record or changed anything, and when (``bot.web.audit``,
#: ``supportbot privacy``); viewable by admins.
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", Moment, nullable=False, index=True),
    sa.Column("actor", sa.String(255), nullable=False, index=True),
    sa.Column("action", sa.String(16), nullable=False),  # GET, POST ... or a command's verb
    sa.Column("target", sa.String(500), nullable=False),  # the path read or changed
    sa.Column("status", sa.Integer, nullable=False),  # the answer's HTTP status (0: a command)
)

# -- aftercare: complaints and follow-ups -------------------------------------------------------

complaints = sa.Table(
    "complaints",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
    sa.Column("channel", sa.String(64), nullable=False),
    sa.Column("priority", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("message", sa.Text, nullable=False),  # the customer's complaint, as written
    sa.Column("transcript", sa.Text, nullable=False),  # JSON: the conversation when opened
    sa.Column("opened_at", Moment, nullable=False, index=True),
    sa.Column("first_response_due", Moment),
    sa.Column("resolution_due", Moment),
    sa.Column("first_response_at", Moment),
    sa.Column("first_response_by", sa.String(255)),
    sa.Column("resolved_at", Moment),
    sa.Column("resolved_by", sa.String(255)),
    sa.Column("resolution_note", sa.Text),
    sa.Column("status", sa.String(16), nullable=False, index=True),
)
followups = sa.Table(
    "followups",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
    sa.Column("channel", sa.String(64), nullable=False),
    sa.Column("opened_at", Moment, nullable=False, index=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("score", sa.Integer),
    sa.Column("comment", sa.Text),
    sa.Column("stage", sa.String(16), nullable=False),
    sa.Column("agent", sa.String(255)),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("closed_by", sa.String(255)),
    sa.Column("closed_at", Moment),
    sa.Column("note", sa.Text),
    sa.Column("notified_at", Moment),
)

# -- the review inbox ---------------------------------------------------------------------------

#: One group of near-duplicate mined messages, ``open`` until a lead decides.
review_items = sa.Table(
    "review_items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("status", sa.String(16), nullable=False, index=True),  # open, decided, ignored
    sa.Column("text", sa.Text, nullable=False),  # masked representative message
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("conversations", sa.Integer, nullable=False),
    sa.Column("asked_for_person", sa.Integer, nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("last_seen", Moment, nullable=False),
    sa.Column("signals", sa.Text, nullable=False),  # JSON {signal: count}
    sa.Column("predicted_intent", sa.String(64)),
    sa.Column("language", sa.String(16)),  # of its messages; empty: not clear (migration 0010)
    sa.Column("confidence", sa.Float),
    sa.Column("suggestion", sa.Text, nullable=False),  # JSON, see Suggestion
    sa.Column("decision", sa.Text),  # JSON, see Decision
    sa.Column("decided_by", sa.String(255)),
    sa.Column("decided_at", Moment),
)
#: Every mined message (masked text only; the original stays in the tracker store), keyed by
#: conversation and tracker row so it is never mined twice.
review_messages = sa.Table(
    "review_messages",
    metadata,
    sa.Column("key", sa.String(300), primary_key=True),
    sa.Column("item_id", sa.Integer, nullable=False, index=True),
    sa.Column("conversation_id", sa.String(255), nullable=False),
    sa.Column("sent_at", Moment, nullable=False),
    sa.Column("text", sa.Text, nullable=False),  # masked
    sa.Column("intent", sa.String(64)),
    sa.Column("language", sa.String(16)),  # written in, else its conversation's (migration 0010)
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("signals", sa.Text, nullable=False),  # JSON list
    sa.Column("model_id", sa.String(64)),
    sa.Column("asked_for_person", sa.Boolean, nullable=False),
    # The knowledge-base article the bot answered it with outright (an article id), if any.
    sa.Column("answered_article", sa.String(100), index=True),
    # What the bot replied to it and what the customer wrote next (both masked), if known.
    sa.Column("bot_reply", sa.Text),
    sa.Column("next_message", sa.Text),
)
review_audit = sa.Table(
    "review_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", Moment, nullable=False),
    sa.Column("actor", sa.String(255), nullable=False),
    sa.Column("item_id", sa.Integer),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),  # JSON
)
#: Mining's bookmarks (``last_row``: the last tracker row read).
review_state = sa.Table(
    "review_state",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.Integer, nullable=False),
)

# -- channels -----------------------------------------------------------------------------------

#: Slack deliveries already handled (event id, message or click key), kept for a day.
slack_events = sa.Table(
    "slack_events",
    metadata,
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("handled_at", sa.Float, nullable=False, index=True),  # Unix seconds
)

# -- files in live chats ------------------------------------------------------------------------

#: Files a customer and their agent sent each other (``bot.attachments``): kept here, not on
#: a server's disk, so every web server of a cluster serves them; erased with the conversation.
attachments = sa.Table(
    "attachments",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
    sa.Column("sender", sa.String(255), nullable=False),  # "customer" or "agent:<name>"
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("content_type", sa.String(100), nullable=False),  # read from the bytes
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("created_at", Moment, nullable=False),
)

# -- the desk's writes into conversations -------------------------------------------------------

#: Events for a conversation's tracker, written in the same transaction as the desk change
#: they tell of, and delivered to Rasa in order (per conversation) until Rasa takes them.
rasa_outbox = sa.Table(
    "rasa_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
    sa.Column("events", sa.Text, nullable=False),  # JSON list of Rasa events
    sa.Column("created_at", Moment, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", Moment, nullable=False),
    sa.Column("claimed_until", Moment),  # a deliverer is sending it (another process waits)
    sa.Column("last_error", sa.Text),
    sa.Column("delivered_at", Moment, index=True),
    sa.Column("failed_at", Moment),  # Rasa kept refusing it: given up (logged as an error)
)

# -- work done once in a cluster ---------------------------------------------------------------

# Timed desk work (auto-assignment, abandonment, wait updates, the daily report, review
# mining) runs in the one web process that holds the lease; another takes it over when the
# holder stops renewing it.
leases = sa.Table(
    "leases",
    metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("holder", sa.String(200), nullable=False),
    sa.Column("taken_at", Moment, nullable=False),
    sa.Column("expires_at", Moment, nullable=False),
)
