"""What the Rasa server process loads: our NLU components (``nlu/``, named in config.yml),
dialogue policies (``policies/``, config.yml) and input channels (``channels/``,
credentials.yml). With ``actions/`` and ``bot.retraining.evaluation`` (which scores a model),
these are the only modules that import ``rasa``.

Models trained before this folder existed name their components ``bot.nlu.*`` and
``bot.policies.*``: those modules remain as aliases of these, so such models still load.
"""

from bot.rasa_server import action_response

# Whatever the server loads first (a component, a policy or a channel), Rasa's check of the
# action server's responses is the one built once (see action_response: 13 ms per call saved).
action_response.install()
