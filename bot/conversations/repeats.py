"""The same question asked again: one rule for the escalation policy and for review mining.

A customer who asks again what they have just asked was not helped. Two customer messages ask
the same question when both are questions (at least three words, and not "yes", "no",
"thanks", a request for a person and the like: ``NOT_QUESTIONS``) and

* **by meaning**, when both carry the NLU's sentence embedding from the same model (the NLU
  pipeline stores it with every message, see ``bot.embeddings.shared``): cosine similarity at
  least a threshold, one number for both users: the escalation policy's ``repeat_similarity``
  in config.yml (``REPEAT_SIMILARITY``, chosen on bench/escalation_eval.py, when it is not
  set), which review mining reads from the same file (``EscalationConfig.from_rasa_config``);
* **by wording**, only when the embeddings cannot be compared (a message stored without one,
  or from models of different sizes): at least two content words in common, and at least
  half of the shorter message's content words. Words are compared after a crude stemming
  ("items"/"item", "returned"/"return"), so this test misses rephrasings in other words; it
  is the fallback, not the rule.

The escalation policy reads embeddings only (``same_meaning``); mining uses ``asks_again``.
"""

from __future__ import annotations

import re

import numpy as np

from bot.conversations.by_identity import ByIdentity
from bot.conversations.events import CONVERSATIONAL_INTENTS, CustomerMessage
from bot.embeddings.base import Vectors
from bot.embeddings.shared import TEXT_EMBEDDING, decode_vector

#: Cosine similarity from which two messages ask the same thing, unless config.yml sets the
#: escalation policy's ``repeat_similarity`` (which escalation and review mining then both use).
REPEAT_SIMILARITY = 0.7
#: Intents whose messages are never "the same question again" (yes, no, thanks, ...).
NOT_QUESTIONS = CONVERSATIONAL_INTENTS | {"bot_challenge", "ask_capabilities", "complaint"}
#: The fewest words a question has (shorter messages are "ok", "hello?", "no thanks").
MIN_QUESTION_WORDS = 3
#: Content words two messages must share (and half of the shorter message's) by wording.
MIN_SHARED_WORDS = 2

_WORD = re.compile(r"[a-z]{3,}")
# Words that say nothing about what is asked: question words, auxiliaries, politeness, and
# what a customer adds when asking again ("no, I mean ...", "I asked ...").
_STOP_WORDS = """
    the and for you your yours our ours can how what when where why which who whom whose with
    this that these those have has had having was were are not does did doing done but from
    will would could should shall might must please there their they them about any get got
    getting into its just much many some all also then than too very really still again mean
    meant asked ask asking question know want wanted need tell like yes yeah okay thanks thank
    sorry hello hey one way use make mine myself here now didn doesn don isn wasn aren won
    cant dont didnt doesnt isnt wont answer answered help helped
"""
_STOP = frozenset(_STOP_WORDS.split())


def is_question(text: str, intent: str | None) -> bool:
    """A message that asks something (what could be asked again)."""
    return intent not in NOT_QUESTIONS and len(text.split()) >= MIN_QUESTION_WORDS


def message_vector(message: CustomerMessage) -> Vectors | None:
    """The NLU's embedding stored with ``message`` (1-D, unit length), if any."""
    return _decoded(message)


def _vector(message: CustomerMessage) -> Vectors | None:
    payload = message.parse.get(TEXT_EMBEDDING)
    if not isinstance(payload, dict):
        return None
    vector = decode_vector(payload, model_id=payload.get("model"), dimension=None)
    if vector is None:
        return None
    vector = vector.reshape(-1)
    vector.setflags(write=False)  # shared by every reader of the message
    return vector


#: Each message's vector is decoded once per message object (``customer_message`` gives the
#: same message for the same event; the escalation's look-back copies events first, so there
#: it does not yet help: ``bot.conversations.by_identity``).
_decoded: ByIdentity[CustomerMessage, Vectors | None] = ByIdentity(_vector, most=4096)


def same_meaning(
    first: Vectors | None, second: Vectors | None, *, threshold: float = REPEAT_SIMILARITY
) -> bool | None:
    """Whether two embeddings say the same thing; None when they cannot be compared."""
    if first is None or second is None or first.shape != second.shape:
        return None
    return float(np.dot(first, second)) >= threshold


def same_wording(first: str, second: str) -> bool:
    """Enough content words in common (see the module's docstring)."""
    a, b = content_words(first), content_words(second)
    shared = len(a & b)
    return shared >= MIN_SHARED_WORDS and shared * 2 >= min(len(a), len(b))


def asks_again(
    question: CustomerMessage, again: CustomerMessage, *, threshold: float = REPEAT_SIMILARITY
) -> bool:
    """``again`` (typed after ``question``) asks the same question: by meaning (cosine at
    least ``threshold``) when both carry comparable embeddings, by wording otherwise."""
    if question.clicked or again.clicked:
        return False
    if not (is_question(question.text, question.intent) and is_question(again.text, again.intent)):
        return False
    by_meaning = same_meaning(message_vector(question), message_vector(again), threshold=threshold)
    if by_meaning is not None:
        return by_meaning
    return same_wording(question.text, again.text)


def content_words(text: str) -> set[str]:
    """The words of ``text`` that say what it is about, crudely stemmed."""
    return {_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP}


def _stem(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]  # "size", "sized": "siz"
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeious":
        word = word[:-1]  # "shipped" and "ship", "cancelled" and "cancel"
    return word
