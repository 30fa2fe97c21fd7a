"""A path to a person from anywhere: the offer of a person, and the handoff step.

The escalation policy (``bot.policies.frustration``) decides and records why (the
``escalation`` slot); these actions say it to the customer. The live agent queue connects to
``action_handoff``; until then a person is reached by phone or email, said honestly from the
business facts.
"""

from __future__ import annotations

import logging

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import Events, SupportAction, recorded_escalation, utter
from bot.chat import Reply
from bot.escalation import ESCALATION_SLOT, Decision, EscalationConfig, Level, assess
from bot.escalation.replies import handover_opening, offer_reply
from bot.handoff.contact import complaint_reply, human_contact_reply

logger = logging.getLogger(__name__)


class ActionHandoff(SupportAction):
    """Hands the conversation to the team, with the reason and priority of the escalation."""

    action_name = "action_handoff"
    adds_pending_offer = False

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Events:
        turns, decision = recorded_escalation(tracker)
        events: Events = []
        if decision is None or decision.level is not Level.HANDOVER:
            # Reached without the policy (a rule alone): decide with the default thresholds.
            decision = assess(turns, EscalationConfig())
            if decision.level is not Level.HANDOVER:
                decision = Decision(Level.HANDOVER, reason="handoff requested", trigger="requested")
            number = turns[-1].number if turns else 0
            events.append(SlotSet(ESCALATION_SLOT, decision.as_record(number)))
        logger.info(
            "handoff requested in conversation %s: %s priority, rule %s: %s",
            tracker.sender_id,
            decision.priority.value,
            decision.trigger,
            decision.reason,
        )
        facts = self.services.business_facts()
        now = self.services.clock()
        if decision.trigger == "complaint":
            utter(dispatcher, complaint_reply(facts, now))
        else:
            contact = human_contact_reply(facts, now)
            opening = handover_opening(decision)
            utter(dispatcher, Reply(f"{opening} {contact.text}".strip(), contact.buttons))
        return events


class ActionOfferPerson(SupportAction):
    """Offers a person to a customer who seems frustrated; they may carry on with the bot."""

    action_name = "action_offer_person"
    adds_pending_offer = False

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Events:
        _turns, decision = recorded_escalation(tracker)
        if decision is None:
            decision = Decision(Level.OFFER, reason="offer requested", trigger="")
        facts = self.services.business_facts()
        utter(dispatcher, offer_reply(facts, self.services.clock(), decision))
        return []
