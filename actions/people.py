"""A path to a person from anywhere: the offer, the live-chat queue, and messages for the team.

The escalation policy (``bot.rasa_server.policies.frustration``) decides and records why (the
``escalation`` slot); ``HandoffPolicy`` (``bot.rasa_server.policies.handoff``) routes the customer's
messages while a handoff is open. These actions do the work and say it honestly:

* ``action_handoff``: queue the conversation (reason and priority from the escalation) and
  tell the customer their position and the wait, from live data; when the team is off or
  nobody is online, say when they are back and offer a message or the bot instead.
* ``action_handoff_waiting``: the customer wrote while waiting (kept for the agent).
* ``action_cancel_handoff``: leave the queue, or drop the message being written.
* ``action_leave_message`` / ``action_take_message``: a message (and contact) for the team.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import (
    Events,
    SupportAction,
    customer_channel,
    customer_language,
    recorded_escalation,
    utter,
)
from bot.business import BusinessFacts
from bot.chat import Reply
from bot.complaints.intake import open_complaint
from bot.escalation import ESCALATION_SLOT, Decision, EscalationConfig, Level, assess
from bot.escalation.replies import handover_opening, offer_reply
from bot.handoff import replies
from bot.handoff.contact import complaint_next_step, complaint_reply, find_contact
from bot.handoff.lifecycle import Action, Status
from bot.handoff.model import Handoff
from bot.handoff.slot import HANDOFF_SLOT, TAKING_MESSAGE, slot_status, slot_value, taking_message
from bot.privacy.log_ids import conversation_ref

logger = logging.getLogger(__name__)

#: Escalation rules meaning the customer asked (the request is theirs, not the bot's).
CUSTOMER_ASKED = ("asked_for_person", "complaint", "requested")
#: The longest message for the team that is kept (the rest is in the transcript anyway).
MAX_MESSAGE = 5000


class HandoffAction(SupportAction):
    """What the live-chat actions share: the queue, the clock and the facts."""

    adds_pending_offer = False

    def open_handoff(self, tracker: Tracker) -> Handoff | None:
        return self.services.handoff_queue.open_for(tracker.sender_id)

    def where(self, handoff: Handoff) -> tuple[int, timedelta | None]:
        """The waiting customer's position and expected wait."""
        queue = self.services.handoff_queue
        position = queue.position(handoff.id) or 1
        hold = self.services.business_facts().live_chat.language_hold
        return position, queue.estimated_wait(handoff.id, hold=hold)


class ActionHandoff(HandoffAction):
    """Puts the customer in the queue for a person, with the escalation's reason and priority."""

    action_name = "action_handoff"

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
            conversation_ref(tracker.sender_id),
            decision.priority.value,
            decision.trigger,
            decision.reason,
        )
        facts = self.services.business_facts()
        now = self.services.clock()
        queue = self.services.handoff_queue
        language = customer_language(tracker)
        complaint = self._complaint(tracker, decision, facts, now, language)
        opening = complaint[0] if complaint else handover_opening(decision, language)
        if not facts.hours.is_open(now) or queue.staffing().agents_online == 0:
            unavailable = replies.unavailable_reply(facts, now, language)
            if complaint:  # how the team can reach them, and the reference to quote
                text = f"{opening} {complaint_next_step(facts, now, complaint[1], language)}"
            else:
                text = f"{opening} {unavailable.text}".strip()
            utter(dispatcher, Reply(text, unavailable.buttons))
            return events
        handoff = queue.request(
            tracker.sender_id,
            channel=customer_channel(tracker),
            reason=decision.reason,
            priority=decision.priority.value,
            actor="customer" if decision.trigger in CUSTOMER_ASKED else "bot",
            now=now,
            language=language,
        )
        position, wait = self.where(handoff)
        queued = replies.queued_reply(position, wait, facts, language)
        utter(dispatcher, Reply(f"{opening} {queued.text}".strip(), queued.buttons))
        history = queue.history(handoff.id)
        events.append(SlotSet(HANDOFF_SLOT, slot_value(handoff, history[-1] if history else None)))
        return events

    def _complaint(
        self,
        tracker: Tracker,
        decision: Decision,
        facts: BusinessFacts,
        now: datetime,
        language: str | None,
    ) -> tuple[str, str] | None:
        """For a complaint: its ticket (new, or the one already open) — the words telling the
        customer its reference and deadlines, and the reference. None for other handoffs."""
        if decision.trigger != "complaint":
            return None
        ticket, new = open_complaint(
            self.services.complaints,
            facts,
            tracker.sender_id,
            channel=customer_channel(tracker),
            priority=decision.priority.value,
            reason=decision.reason,
            message=tracker.latest_message.get("text") or "",
            events=tracker.events,
            now=now,
        )
        if new:
            logger.info(
                "complaint %s opened for %s", ticket.reference, conversation_ref(tracker.sender_id)
            )
        reply = complaint_reply(
            facts,
            now,
            reference=ticket.reference,
            first_response_due=ticket.first_response_due,
            resolution_due=ticket.resolution_due,
            language=language,
        )
        return reply.text, ticket.reference


class ActionHandoffWaiting(HandoffAction):
    """The customer wrote while waiting: it stays in the conversation for the agent."""

    action_name = "action_handoff_waiting"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Events:
        handoff = self.open_handoff(tracker)
        if handoff is None:  # it ended meanwhile (e.g. the agent closed it just now)
            utter(dispatcher, replies.ended_meanwhile_reply(customer_language(tracker)))
            return [SlotSet(HANDOFF_SLOT, None)]
        if handoff.status is Status.ASSIGNED:  # claimed meanwhile: the agent answers
            return [SlotSet(HANDOFF_SLOT, slot_value(handoff))]
        position, wait = self.where(handoff)
        facts, language = self.services.business_facts(), customer_language(tracker)
        utter(dispatcher, replies.waiting_reply(position, wait, facts, language))
        return []


class ActionCancelHandoff(HandoffAction):
    """Back to the bot: leave the queue, or drop the message being written."""

    action_name = "action_cancel_handoff"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Events:
        if slot_status(tracker.get_slot(HANDOFF_SLOT)) == TAKING_MESSAGE:
            utter(dispatcher, replies.message_dropped_reply(customer_language(tracker)))
            return [SlotSet(HANDOFF_SLOT, None)]
        handoff = self.open_handoff(tracker)
        if handoff is None or handoff.status is not Status.QUEUED:
            utter(dispatcher, replies.nothing_to_cancel_reply(customer_language(tracker)))
            return []
        ended = self.services.handoff_queue.end(
            handoff.id,
            Action.CANCEL,
            actor="customer",
            reason="the customer chose to go back to the bot",
            now=self.services.clock(),
        )
        logger.info("conversation %s left the queue", conversation_ref(tracker.sender_id))
        utter(dispatcher, replies.cancelled_reply(customer_language(tracker)))
        history = self.services.handoff_queue.history(ended.id)
        return [SlotSet(HANDOFF_SLOT, slot_value(ended, history[-1]))]


class ActionLeaveMessage(HandoffAction):
    """The customer wants to leave a message for the team: ask for it."""

    action_name = "action_leave_message"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Events:
        handoff = self.open_handoff(tracker)
        if handoff is not None and handoff.status is Status.ASSIGNED:
            return []  # a person is already chatting with them
        needs_contact = customer_channel(tracker) != "slack"
        language = customer_language(tracker)
        utter(dispatcher, replies.ask_for_message(needs_contact=needs_contact, language=language))
        return [SlotSet(HANDOFF_SLOT, taking_message(handoff.id if handoff else None))]


class ActionTakeMessage(HandoffAction):
    """Writes down the customer's message (and how to reach them) as a ticket for the team."""

    action_name = "action_take_message"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Events:
        slot = tracker.get_slot(HANDOFF_SLOT) or {}
        draft = str(slot.get("draft") or "")
        text = (tracker.latest_message.get("text") or "").strip()
        message = f"{draft}\n{text}".strip() if draft else text
        channel = customer_channel(tracker)
        contact = found = find_contact(message)  # found: what the customer is told
        language = customer_language(tracker)
        if contact is None and channel == "slack":
            contact = f"Slack user {tracker.sender_id}"
        if not message:
            utter(
                dispatcher,
                replies.ask_for_message(needs_contact=channel != "slack", language=language),
            )
            return []
        if contact is None:
            if draft:  # asked once already: the team can still answer in this chat's transcript
                contact = "no contact details given (see the conversation)"
            else:
                utter(dispatcher, replies.ask_for_contact(language))
                return [SlotSet(HANDOFF_SLOT, taking_message(slot.get("id"), message))]
        _turns, decision = recorded_escalation(tracker)
        facts = self.services.business_facts()
        now = self.services.clock()
        handoff = self.services.handoff_queue.leave_message(
            tracker.sender_id,
            channel=channel,
            reason=decision.reason if decision else "the customer left a message",
            priority=decision.priority.value if decision else "normal",
            contact=contact,
            message=message[:MAX_MESSAGE],
            now=now,
            language=language,
        )
        reference = replies.reference_for(handoff.id)
        logger.info(
            "conversation %s left message %s", conversation_ref(tracker.sender_id), reference
        )
        utter(dispatcher, replies.message_left_reply(facts, now, reference, found, language))
        history = self.services.handoff_queue.history(handoff.id)
        return [SlotSet(HANDOFF_SLOT, slot_value(handoff, history[-1]))]


class ActionOfferPerson(SupportAction):
    """Offers a person to a customer who seems frustrated; they may carry on with the bot."""

    action_name = "action_offer_person"
    adds_pending_offer = False

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Events:
        _turns, decision = recorded_escalation(tracker)
        if decision is None:
            decision = Decision(Level.OFFER, reason="offer requested", trigger="")
        facts = self.services.business_facts()
        now = self.services.clock()
        utter(dispatcher, offer_reply(facts, now, decision, customer_language(tracker)))
        return []
