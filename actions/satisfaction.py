"""The satisfaction question's answers, and the conversation endings that ask it.

* ``action_rate_conversation``: a score (a button, or a digit typed after the question) is
  recorded with its attribution (stage, agent, intents, articles, handoff and why); a low
  score opens a follow-up for the team.
* ``action_take_survey_comment``: the message after a score is its comment (``SurveyPolicy``
  decides); an angry comment opens a follow-up too.
* ``action_say_goodbye`` / ``action_reply_to_thanks``: the usual reply, then the question
  (once per conversation; see ``bot.satisfaction.survey``).
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import (
    Events,
    SupportAction,
    ask_satisfaction,
    customer_channel,
    customer_language,
    utter,
)
from bot.conversations.events import current_session
from bot.privacy.log_ids import conversation_ref
from bot.reporting.summary import summarise
from bot.satisfaction.followups import FollowUp, follow_up_reason
from bot.satisfaction.survey import (
    ANSWERED,
    ASKED,
    COMMENTED,
    CSAT_SLOT,
    SCORE_ENTITY,
    already_rated_reply,
    asked_record,
    comment_reply,
    score_value,
    survey_reply,
    survey_state,
    thanks_reply,
    typed_score,
)

logger = logging.getLogger(__name__)

#: A comment at least this likely negative (the NLU's sentiment) counts as angry.
ANGRY_COMMENT = 0.8
#: The longest comment kept in the conversation's record.
MAX_COMMENT = 2000


class ActionRateConversation(SupportAction):
    action_name = "action_rate_conversation"
    adds_pending_offer = False

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Events:
        entity = next(tracker.get_latest_entity_values(SCORE_ENTITY), None)
        score = score_value(entity) if entity is not None else None
        if score is None:
            score = typed_score(tracker.latest_message.get("text") or "")
        now = self.services.clock()
        state = survey_state(tracker.events)
        if state.status in (ANSWERED, COMMENTED):
            # Once per question: a second score (a replayed button) does not overwrite the first.
            score = int(state.record.get("score") or 0)
            utter(dispatcher, already_rated_reply(score, customer_language(tracker)))
            return []
        if score is None or state.status != ASKED:
            # "can I rate you?", or a score nobody asked for (typed, or a button's payload sent
            # by hand): the question, with its buttons, so each score answers one question.
            utter(dispatcher, survey_reply(customer_language(tracker)))
            return [SlotSet(CSAT_SLOT, asked_record(by="bot", at=now.timestamp()))]
        previous = state.record
        summary = summarise(tracker.sender_id, list(current_session(tracker.events)))
        attribution = summary.attribution() if summary else {}
        record: dict[str, Any] = {
            **previous,
            "status": ANSWERED,
            "score": score,
            "answered_at": now.timestamp(),
            "attribution": attribution,
        }
        item = open_follow_up(self, tracker, record, angry=False)
        if item is not None:
            record["follow_up"] = item.id
        logger.info("conversation %s rated %d/5", conversation_ref(tracker.sender_id), score)
        language = customer_language(tracker)
        utter(dispatcher, thanks_reply(score, follow_up=item is not None, language=language))
        return [SlotSet(CSAT_SLOT, record)]


class ActionTakeSurveyComment(SupportAction):
    action_name = "action_take_survey_comment"
    adds_pending_offer = False

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Events:
        previous = survey_state(tracker.events).record
        comment = (tracker.latest_message.get("text") or "").strip()[:MAX_COMMENT]
        scores = (tracker.latest_message.get("sentiment") or {}).get("scores") or {}
        angry = float(scores.get("negative") or 0.0) >= ANGRY_COMMENT
        record = {
            **previous,
            "status": COMMENTED,
            "comment": comment,
            "angry": angry,
            "commented_at": self.services.clock().timestamp(),
        }
        item = open_follow_up(self, tracker, record, angry=angry)
        if item is not None:
            record["follow_up"] = item.id
        logger.info("conversation %s commented on its rating", conversation_ref(tracker.sender_id))
        language = customer_language(tracker)
        utter(dispatcher, comment_reply(follow_up=item is not None, language=language))
        return [SlotSet(CSAT_SLOT, record)]


def open_follow_up(
    action: SupportAction, tracker: Tracker, record: dict[str, Any], *, angry: bool
) -> FollowUp | None:
    """A follow-up for the team when the answer is unhappy (None when it is not)."""
    score = record.get("score")
    reason = follow_up_reason(score if isinstance(score, int) else None, angry)
    if reason is None:
        return None
    attribution = record.get("attribution") or {}
    item = action.services.followups.open(
        tracker.sender_id,
        channel=customer_channel(tracker),
        reason=reason,
        score=score if isinstance(score, int) else None,
        comment=record.get("comment"),
        stage=str(attribution.get("stage") or "bot"),
        agent=attribution.get("agent"),
        now=action.services.clock(),
    )
    logger.info(
        "follow-up %s opened for conversation %s", item.id, conversation_ref(tracker.sender_id)
    )
    return item


class ActionSayGoodbye(SupportAction):
    action_name = "action_say_goodbye"
    adds_pending_offer = False

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Events:
        dispatcher.utter_message(response="utter_goodbye")
        return ask_satisfaction(dispatcher, tracker, at=self.services.clock().timestamp())


class ActionReplyToThanks(SupportAction):
    action_name = "action_reply_to_thanks"
    adds_pending_offer = False

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Events:
        dispatcher.utter_message(response="utter_you_are_welcome")
        return ask_satisfaction(dispatcher, tracker, at=self.services.clock().timestamp())
