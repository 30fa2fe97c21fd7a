"""Greeting the customer, in the company's name."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import Events, SupportAction, customer_language, utter
from bot.dialogue.greeting import greeting_reply


class ActionGreet(SupportAction):
    action_name = "action_greet"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Events:
        facts = self.services.business_facts()
        utter(dispatcher, greeting_reply(facts, customer_language(tracker)))
        return []
