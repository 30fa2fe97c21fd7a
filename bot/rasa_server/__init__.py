"""What the Rasa server process loads: our NLU components (``nlu/``, named in config.yml),
dialogue policies (``policies/``, config.yml) and input channels (``channels/``,
credentials.yml). With ``actions/`` and ``bot.retraining.evaluation`` (which scores a model),
these are the only modules that import ``rasa``.

Models trained before this folder existed name their components ``bot.nlu.*`` and
``bot.policies.*``: those modules remain as aliases of these, so such models still load.
"""

from bot.rasa_server import (
    action_request,
    action_response,
    loaded_model,
    parse_batches,
    policy_states,
    tracker_replay,
)

# Whatever the server loads first (a component, a policy or a channel), Rasa's check of the
# action server's responses is the one built once (see action_response: 13 ms per call saved),
# its requests leave out the vectors of messages the actions never read again (action_request),
# and the Memoization and Rule policies predict from remembered states (see policy_states: a
# long conversation's states are no longer all rebuilt for every prediction), and messages that
# arrive together are parsed together (see parse_batches: one forward pass for all of them), and
# a loaded model is left out of garbage collections (loaded_model), and a long tracker's applied
# events and copies are not replayed from its first event each time (tracker_replay).
action_request.install()
action_response.install()
loaded_model.install()
parse_batches.install()
policy_states.install()
tracker_replay.install()
