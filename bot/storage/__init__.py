"""Storage: the only package that writes SQL.

- ``schema``: every table of supportbot's own database (one ``MetaData``);
- ``migrations/`` and ``migrate``: the schema's history (Alembic), ``supportbot db upgrade``;
- ``engines``: one engine per database URL per process (SQLite: WAL and a busy timeout;
  PostgreSQL: a pool);
- one repository per aggregate: ``SqlHandoffQueue`` (handoffs, their history, presence),
  ``SqlCustomerActivity``, ``SqlAccounts`` (console users, sessions, sign-in failures),
  ``SqlComplaints``, ``SqlFollowUps``, ``SqlReviewInbox``, ``SqlSlackEventLog``;
- ``ConversationStore``: reading Rasa's tracker store (Rasa owns that schema).

Domain types (``Handoff``, ``Complaint`` ...) live in their feature packages, so a process
that only needs a type does not import tables. Import from the modules themselves
(``from bot.storage.handoffs import SqlHandoffQueue``): this package imports nothing.
"""
