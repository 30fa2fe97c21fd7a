"""Reaching a person: how the bot offers one honestly (live handoff comes with the agent queue)."""
