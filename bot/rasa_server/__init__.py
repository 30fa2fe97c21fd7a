"""What the Rasa server process loads: our NLU components (``nlu/``, named in config.yml),
dialogue policies (``policies/``, config.yml) and input channels (``channels/``,
credentials.yml). With ``actions/`` and ``bot.retraining.evaluation`` (which scores a model),
these are the only modules that import ``rasa``.

Models trained before this folder existed name their components ``bot.nlu.*`` and
``bot.policies.*``: those modules remain as aliases of these, so such models still load.
"""
