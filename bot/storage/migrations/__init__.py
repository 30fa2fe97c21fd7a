"""Alembic's migration scripts for supportbot's own database (run by ``bot.storage.migrate``)."""
