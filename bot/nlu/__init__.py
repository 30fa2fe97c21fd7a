"""Our components for Rasa's NLU pipeline (loaded by the Rasa server, named in config.yml).

These are the only modules, besides ``bot.channels`` later, that import ``rasa``.
"""
