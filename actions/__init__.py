"""Custom Rasa actions, served by the action server (``python -m actions``).

Each action is thin: it reads what it needs from the tracker, asks one service from
``bot.services`` and utters the reply. Shared behaviour (error handling, uttering a ``Reply``)
lives in the abstract ``SupportAction`` in ``actions.base``.
"""
