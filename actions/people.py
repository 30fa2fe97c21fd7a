"""A path to a person from anywhere: requests for a person, and complaints."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import Events, SupportAction, utter
from bot.handoff.contact import complaint_reply, human_contact_reply


class ActionOfferHuman(SupportAction):
    """Tells the customer how to reach a person now, honestly, from the business facts."""

    action_name = "action_offer_human"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Events:
        facts = self.services.business_facts()
        utter(dispatcher, human_contact_reply(facts, self.services.clock()))
        return []


class ActionHandleComplaint(SupportAction):
    """Acknowledges a complaint with the company's commitment and a concrete next step."""

    action_name = "action_handle_complaint"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Events:
        facts = self.services.business_facts()
        utter(dispatcher, complaint_reply(facts, self.services.clock()))
        return []
