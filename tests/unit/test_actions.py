"""Actions with rasa-sdk's real Tracker and CollectingDispatcher; knowledge from the hash index."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import SORRY, SupportAction, customer_language
from actions.fallback import (
    ActionHandleLowConfidence,
    ActionHandleNotHelpful,
    ActionHandleOutOfScope,
)
from actions.greeting import ActionGreet
from actions.knowledge import ActionAcknowledgeFeedback, ActionAnswerFromKnowledgeBase
from actions.people import ActionHandoff, ActionOfferPerson
from bot.catalogue import say
from bot.dialogue.fallback import ONLY_ENGLISH, languages_to_try
from bot.embeddings.shared import encode_vector
from bot.errors import IndexMissingError
from bot.handoff.model import Presence
from bot.knowledge.crosslingual import CrossLingualSearcher
from bot.knowledge.replies import helped_question
from bot.services import Services
from tests.conftest import OPEN_TIME


def tracker(
    text: str,
    intent: str,
    *,
    confidence: float = 0.9,
    ranking: list[tuple[str, float]] | None = None,
    entities: list[dict[str, Any]] | None = None,
    flags: list[str] | None = None,
    slots: dict[str, Any] | None = None,
    earlier: list[tuple[str, str]] | None = None,
    escalation: dict[str, Any] | None = None,
    language: dict[str, Any] | None = None,
) -> Tracker:
    """A tracker whose latest message is ``text``; ``earlier`` are (text, intent) before it.

    ``escalation``: what the escalation policy recorded for the latest message.
    """
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [
            {"name": n, "confidence": c} for n, c in ranking or [(intent, confidence)]
        ],
        "entities": entities or [],
        "text_flags": flags or [],
    }
    if language is not None:
        message["language"] = language
    events: list[dict[str, Any]] = [{"event": "session_started"}]
    for earlier_text, earlier_intent in earlier or []:
        events.append(
            {
                "event": "user",
                "text": earlier_text,
                "parse_data": {"text": earlier_text, "intent": {"name": earlier_intent}},
            }
        )
        events.append({"event": "action", "name": "some_action"})
    events.append({"event": "user", "text": text, "parse_data": message})
    if escalation is not None:
        events.append({"event": "slot", "name": "escalation", "value": escalation})
    return Tracker("conversation-1", slots or {}, message, events, False, None, {}, "action_listen")


def written_in(language: str, text: str) -> Tracker:
    """A tracker whose latest message is ``text``, confidently in ``language`` (not English)."""
    return tracker(
        text,
        "nlu_fallback",
        flags=["other_language"],
        language={"code": language, "score": 0.95},
    )


def ladder(services: Services, language: str, text: str) -> tuple[list[dict], list[dict]]:
    """The fallback ladder's reply to ``text``, a message confidently in ``language``."""
    return run(ActionHandleLowConfidence(services), written_in(language, text))


def run(action: SupportAction, tracker: Tracker) -> tuple[list[dict[str, Any]], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker, {})
    return dispatcher.messages, events


@pytest.fixture
def services(settings, demo_searcher, hash_embedder, open_clock, multilingual_encoder) -> Services:
    return Services(
        settings,
        clock=open_clock,
        embedder=hash_embedder,
        searcher=demo_searcher,
        crosslingual=CrossLingualSearcher(multilingual_encoder),
    )


def slot(events: list[dict], name: str) -> Any:
    return next(e["value"] for e in events if e.get("event") == "slot" and e["name"] == name)


def test_a_clear_question_is_answered_with_its_link_and_a_feedback_question(services):
    messages, events = run(
        ActionAnswerFromKnowledgeBase(services), tracker("how do I return an item", "ask_returns")
    )

    assert "returns label" in messages[0]["text"] or "Return items" in messages[0]["text"]
    assert "More: https://fernhill.example/help/returns/how-to" in messages[0]["text"]
    assert messages[1]["text"] == "Did that answer your question?"
    assert slot(events, "last_article") == "returns-how-to"
    assert slot(events, "awaiting_feedback") is True


@pytest.mark.parametrize(
    ("awaiting", "response"), [(True, "utter_glad_it_helped"), (False, "utter_how_can_i_help")]
)
def test_yes_is_only_celebrated_after_an_actual_answer(services, awaiting, response):
    messages, events = run(
        ActionAcknowledgeFeedback(services),
        tracker("yes", "affirm", slots={"awaiting_feedback": awaiting}),
    )

    assert messages[0]["response"] == response
    assert slot(events, "awaiting_feedback") is False


def test_a_decline_does_not_wait_for_feedback(services):
    _, events = run(
        ActionAnswerFromKnowledgeBase(services), tracker("zzzz qqqq xxxx", "ask_store_policy")
    )

    assert slot(events, "awaiting_feedback") is False


def test_a_chosen_article_button_answers_that_article(services):
    messages, events = run(
        ActionAnswerFromKnowledgeBase(services),
        tracker(
            '/choose_option{"article_id": "payments-gift-cards"}',
            "choose_option",
            entities=[{"entity": "article_id", "value": "payments-gift-cards"}],
        ),
    )

    assert "gift card" in messages[0]["text"].lower()
    assert slot(events, "last_article") == "payments-gift-cards"


def test_a_typed_choice_picks_from_the_offered_articles(services):
    _, events = run(
        ActionAnswerFromKnowledgeBase(services),
        tracker(
            "the second one",
            "choose_option",
            slots={"offered_articles": ["returns-policy", "refunds-timing"]},
        ),
    )

    assert slot(events, "last_article") == "refunds-timing"


def test_an_unclear_typed_choice_asks_again_without_guessing(services):
    messages, events = run(
        ActionAnswerFromKnowledgeBase(services), tracker("that one", "choose_option")
    )

    assert "not sure which one" in messages[0]["text"]
    assert slot(events, "awaiting_feedback") is False


def test_a_removed_article_is_not_answered(services):
    messages, _ = run(
        ActionAnswerFromKnowledgeBase(services),
        tracker(
            "/choose_option", "choose_option", entities=[{"entity": "article_id", "value": "gone"}]
        ),
    )

    assert "couldn't find an answer" in messages[0]["text"]
    assert messages[0]["buttons"][-1]["payload"] == "/request_human"


def test_a_topic_button_without_a_question_shows_that_topics_questions(services):
    messages, events = run(
        ActionAnswerFromKnowledgeBase(services),
        tracker("/ask_shipping", "ask_shipping", earlier=[("what can you do", "ask_capabilities")]),
    )

    assert "common questions about delivery options" in messages[0]["text"]
    offered = slot(events, "offered_articles")
    assert offered and all(a.startswith("shipping-") for a in offered)


def test_a_topic_button_after_an_unclear_question_answers_that_question(services):
    _, events = run(
        ActionAnswerFromKnowledgeBase(services),
        tracker(
            "/ask_refund",
            "ask_refund",
            earlier=[("refund to a different card", "nlu_fallback")],
        ),
    )

    assert slot(events, "last_article") == "refunds-method"


def test_a_long_message_is_answered_with_a_note_that_only_its_start_was_read(services):
    messages, _ = run(
        ActionAnswerFromKnowledgeBase(services),
        tracker("how do I return an item " + "x" * 5000, "ask_returns", flags=["truncated"]),
    )

    assert messages[0]["text"].startswith("That's a long message")


def test_low_confidence_answers_from_the_knowledge_base_when_it_is_sure(services):
    _, events = run(
        ActionHandleLowConfidence(services),
        tracker("how do I return an item", "nlu_fallback", confidence=0.4),
    )

    assert slot(events, "last_article") == "returns-how-to"


def test_a_long_unclear_message_answered_from_the_knowledge_base_says_what_was_read(services):
    messages, events = run(
        ActionHandleLowConfidence(services),
        # (The flag as MessageCleaner sets it; the search sees the message's beginning.)
        tracker("how do I return an item", "nlu_fallback", confidence=0.4, flags=["truncated"]),
    )

    assert messages[0]["text"].startswith("That's a long message")
    assert slot(events, "last_article") == "returns-how-to"


def test_low_confidence_offers_plausible_topics(services):
    messages, _ = run(
        ActionHandleLowConfidence(services),
        tracker(
            "zzz qqq",
            "nlu_fallback",
            ranking=[("nlu_fallback", 0.5), ("ask_refund", 0.3), ("ask_returns", 0.2)],
        ),
    )

    titles = [b["title"] for b in messages[0]["buttons"]]
    assert titles[:2] == ["Refunds", "Returns and exchanges"]
    assert "Talk to a person" in titles


def test_a_second_unclear_message_gets_the_ways_to_reach_a_person(services):
    messages, _ = run(
        ActionHandleLowConfidence(services),
        tracker("zzz qqq", "nlu_fallback", earlier=[("xxx yyy", "nlu_fallback")]),
    )

    assert "still don't understand" in messages[0]["text"]
    assert services.business_facts().contact.phone in messages[1]["text"]


def test_an_empty_message_is_asked_for_words(services):
    messages, _ = run(
        ActionHandleLowConfidence(services), tracker("", "nlu_fallback", flags=["empty"])
    )

    assert messages[0]["text"] == "Your message seems to be empty. What can I help you with?"


def test_a_message_in_another_language_says_the_bot_reads_english(services):
    messages, _ = run(
        ActionHandleLowConfidence(services),
        tracker("где мой заказ", "nlu_fallback", flags=["not_latin"]),
    )

    assert "only understand English" in messages[0]["text"]


def test_a_question_in_italian_that_no_article_answers_gets_the_honest_reply_in_italian(
    services,
):
    messages, _ = ladder(services, "it", "Che tempo farà domani a Milano?")

    # The help centre is written in Italian too: the bot read it, and found nothing.
    assert messages[0]["text"] == say("not_found_here", "it")
    assert "inglese" not in messages[0]["text"]
    assert [b["title"] for b in messages[0]["buttons"]] == ["Parla con una persona"]


def test_a_question_in_a_language_without_articles_is_told_the_bot_reads_english(services):
    messages, _ = ladder(services, "de", "Wie wird das Wetter morgen in Berlin?")

    assert messages[0]["text"].startswith(say("only_english", "de"))


def test_a_question_in_italian_is_answered_with_the_italian_article(services):
    messages, events = ladder(services, "it", "Ho dimenticato la password, come faccio ad entrare?")

    answer, helped = messages
    italian = services.searcher.translations["it"]["account-password-reset"]
    assert answer["text"].endswith(f"Per saperne di più: {italian.link}")
    assert slot(events, "last_article") == "account-password-reset"
    assert helped["text"] == "Ho risposto alla tua domanda?"
    assert [b["title"] for b in helped["buttons"]] == ["Sì, grazie", "No"]


@pytest.mark.parametrize(
    ("guessed", "widget", "answered"),
    [
        ({"code": "lt", "score": 0.35}, None, True),  # unsure, but not English by its look
        ({"code": "lv", "score": 0.3}, None, True),  # a neighbour's guess: still looked for
        ({"code": "en", "score": 0.5}, None, False),  # looks English: not from a translation
        ({"code": "en", "score": 0.5}, "lt-LT", True),  # ... unless the widget says Lithuanian
    ],
)
def test_a_question_too_unclear_to_tell_its_language_is_looked_for_in_the_translations(
    services, guessed, widget, answered
):
    # Lithuanian typed without accents: too unsure to go by, and the English search declines.
    unsure = tracker("kaip grazinti preke", "nlu_fallback", language=guessed)
    if widget is not None:
        unsure.latest_message["metadata"] = {"language": widget}
    messages, _ = run(ActionHandleLowConfidence(services), unsure)

    assert messages[0]["text"].startswith("1. Eikite į **Mano paskyra") is answered


def test_an_english_conversation_is_not_answered_from_a_translation(services):
    english = tracker(
        "kaip grazinti preke",
        "nlu_fallback",
        language={"code": "lt", "score": 0.35},
        earlier=[("where is my order please", "ask_order_status")],
    )
    english.events[1]["parse_data"]["language"] = {"code": "en", "score": 0.98}
    messages, _ = run(ActionHandleLowConfidence(services), english)

    assert messages[0]["text"] == say("fallback.rephrase")  # the English ladder, in English


def test_the_languages_a_message_of_unsure_language_is_looked_for_in():
    assert languages_to_try("lt", None, {"it", "lt"}) == ["lt", "it"]
    assert languages_to_try("pl", "it", {"it", "lt"}) == ["it", "lt"]  # the widget's first
    assert languages_to_try("en", None, {"it", "lt"}) == []
    assert languages_to_try("en", "lt", {"it", "lt"}) == ["lt"]
    assert languages_to_try(None, "de", {"it", "lt"}) == []


def test_a_question_in_lithuanian_is_answered_with_the_lithuanian_article(services):
    messages, events = ladder(services, "lt", "Kaip grąžinti prekę?")

    assert messages[0]["text"].startswith("1. Eikite į **Mano paskyra")
    assert slot(events, "last_article") == "returns-how-to"
    assert messages[1]["text"] == "Ar atsakiau į jūsų klausimą?"


def test_an_article_without_a_translation_comes_in_english_with_a_note(services):
    messages, events = ladder(services, "de", "Kann ich meine Bestellung noch stornieren?")

    note, answer, helped = messages
    assert note["text"].startswith("Hier ist die Antwort aus unserem Hilfe-Center")
    assert [b["title"] for b in note["buttons"]] == ["Mit einem Menschen sprechen"]
    assert slot(events, "last_article") == "orders-cancel"
    assert "More: " in answer["text"]
    assert helped["text"] == helped_question().text


def test_no_it_did_not_help_is_said_in_the_conversations_language(services):
    earlier = tracker(
        "Kaip grąžinti prekę?", "nlu_fallback", language={"code": "lt", "score": 0.95}
    )
    latest = tracker("/not_helpful", "not_helpful")

    messages, _ = run(ActionHandleNotHelpful(services), _session(earlier, latest))

    assert messages[0]["text"].startswith("Atsiprašau, kad tai nepadėjo.")
    assert [b["title"] for b in messages[0]["buttons"]] == ["Kalbėti su žmogumi"]


def test_a_language_nothing_here_reads_gets_the_honest_reply(services):
    messages, events = ladder(services, "lv", "Kā es varu atgriezt preci?")

    assert [m["text"][:40] for m in messages] == [ONLY_ENGLISH[:40]]
    assert events == []


def _session(*messages: Tracker) -> Tracker:
    """One session of the customer's messages (each a ``tracker``'s latest), in order."""
    events: list[dict[str, Any]] = [{"event": "session_started"}]
    for message in messages:
        events += [*message.events[1:], {"event": "action", "name": "x"}]
    latest = messages[-1].latest_message
    return Tracker("c", {}, latest, events[:-1], False, None, {}, "action_listen")


@pytest.mark.parametrize(
    ("earlier_language", "in_lithuanian"), [({"code": "lt", "score": 0.95}, True), (None, False)]
)
def test_an_unclear_short_message_keeps_the_language_the_customer_wrote_in(
    services, earlier_language, in_lithuanian
):
    # A clear Lithuanian question earlier in the session, then two words the model is unsure
    # of: the honest answer ("nothing found in the help centre") stays Lithuanian (without
    # the earlier question: the usual ladder).
    earlier = tracker("Kaip grąžinti prekę?", "nlu_fallback", language=earlier_language)
    earlier.events.append({"event": "slot", "name": "awaiting_feedback", "value": True})
    latest = tracker("ačiū labai", "nlu_fallback", language={"code": "lt", "score": 0.4})

    messages, _ = run(ActionHandleLowConfidence(services), _session(earlier, latest))

    assert (messages[0]["text"] == say("not_found_here", "lt")) is in_lithuanian


def test_english_please_is_answered_and_holds_for_the_conversation(services):
    italian = written_in("it", "Come posso restituire un articolo?")
    asked = tracker(
        "English, please",
        "nlu_fallback",
        flags=["asked_for_language"],
        language={"code": "en", "score": 1.0, "asked": True},
    )
    messages, _ = run(ActionHandleLowConfidence(services), _session(italian, asked))
    assert messages[0]["text"] == "Of course, let's go on in English. What can I help you with?"
    assert customer_language(_session(italian, asked)) == "en"  # a colleague who speaks it

    # Later words that look Italian get the English ladder, not "only English" in Italian.
    again = tracker(
        "Il mio ordine ordine non è arrivato",
        "nlu_fallback",
        flags=["other_language"],
        language={"code": "it", "score": 0.9},
    )
    messages, _ = run(ActionHandleLowConfidence(services), _session(italian, asked, again))
    assert messages[0]["text"].startswith("Sorry, I didn't understand that.")


def test_asking_for_a_language_the_bot_does_not_read_gets_the_honest_reply_in_it(services):
    asked = tracker(
        "Ar galite kalbėti lietuviškai?",
        "nlu_fallback",
        flags=["asked_for_language"],
        language={"code": "lt", "score": 1.0, "asked": True},
    )
    messages, _ = run(ActionHandleLowConfidence(services), asked)

    assert messages[0]["text"].startswith("Atsiprašau, kol kas suprantu tik anglų kalbą.")
    assert [b["title"] for b in messages[0]["buttons"]] == ["Kalbėti su žmogumi"]
    assert customer_language(asked) == "lt"


@pytest.mark.parametrize(
    ("clock_fixture", "expected"),
    [("open_clock", "Nobody from our team is free"), ("closed_clock", "back tomorrow")],
)
def test_asking_for_a_person_with_nobody_online_gets_an_honest_answer(
    request, settings, demo_searcher, clock_fixture, expected
):
    services = Services(
        settings, clock=request.getfixturevalue(clock_fixture), searcher=demo_searcher
    )

    messages, _ = run(ActionHandoff(services), tracker("human please", "request_human"))

    assert expected in messages[0]["text"]
    assert "Leave a message" in [b["title"] for b in messages[0]["buttons"]]


def test_handoff_without_the_policy_records_its_own_reason(services):
    _, events = run(ActionHandoff(services), tracker("human please", "request_human"))

    record = slot(events, "escalation")
    assert (record["level"], record["reason"], record["priority"]) == (
        "handover",
        "asked for a person",
        "normal",
    )


def test_handoff_keeps_the_policy_reason_and_says_sorry_to_an_angry_customer(services):
    services.handoff_queue.set_presence("anna", Presence.ONLINE, capacity=2, now=OPEN_TIME)
    recorded = {
        "level": "handover",
        "reason": "negative message (0.99) + shouting",
        "priority": "high",
        "trigger": "strong_anger",
        "turn": 1,
    }

    messages, events = run(
        ActionHandoff(services), tracker("WHERE IS IT", "ask_order_status", escalation=recorded)
    )

    assert [e["name"] for e in events] == ["handoff"]  # the escalation was recorded already
    assert messages[0]["text"].startswith("I'm sorry about this. Let's get you to a person.")
    assert "you're next in the queue" in messages[0]["text"]
    assert services.handoff_queue.open_for("conversation-1").priority == "high"


def test_a_complaint_is_acknowledged_with_the_commitment(services):
    messages, events = run(ActionHandoff(services), tracker("this is unacceptable", "complaint"))

    assert messages[0]["text"].startswith("I'm sorry")
    assert "4 working hours" in messages[0]["text"]
    assert slot(events, "escalation")["priority"] == "high"


OFFER = {"level": "offer", "reason": "2 fallbacks", "priority": "normal", "trigger": "failures"}


@pytest.mark.parametrize(
    ("clock_fixture", "expected"),
    [("open_clock", "they're working now"), ("closed_clock", "isn't working right now")],
)
def test_the_offer_of_a_person_is_honest_about_hours(
    request, settings, demo_searcher, clock_fixture, expected
):
    services = Services(
        settings, clock=request.getfixturevalue(clock_fixture), searcher=demo_searcher
    )

    messages, _ = run(ActionOfferPerson(services), tracker("no", "deny", escalation=OFFER))

    assert messages[0]["text"].startswith("Sorry I haven't managed to sort this out for you.")
    assert expected in messages[0]["text"]
    assert messages[0]["buttons"] == [{"title": "Talk to a person", "payload": "/request_human"}]


def test_an_answer_gets_the_pending_offer_below_it(services):
    messages, _ = run(
        ActionAnswerFromKnowledgeBase(services),
        tracker("how do I return an item", "ask_returns", escalation=OFFER),
    )

    assert [m["text"] for m in messages[1:2]] == ["Did that answer your question?"]
    assert messages[-1]["text"].startswith("Sorry I haven't managed")
    assert messages[-1]["buttons"][0]["payload"] == "/request_human"


def test_no_offer_is_added_without_a_decision_for_this_message(services):
    messages, _ = run(
        ActionAnswerFromKnowledgeBase(services), tracker("how do I return an item", "ask_returns")
    )

    assert not any("keep trying" in m.get("text", "") for m in messages)


def test_a_reply_that_already_offers_a_person_gets_no_second_offer(services):
    messages, _ = run(
        ActionHandleNotHelpful(services),
        tracker("that didn't help", "not_helpful", escalation=OFFER),
    )

    assert len(messages) == 1


def test_out_of_scope_is_declined_with_the_domain_response(services):
    messages, _ = run(ActionHandleOutOfScope(services), tracker("tell me a joke", "out_of_scope"))

    assert messages[0]["response"] == "utter_out_of_scope"


def test_out_of_scope_that_the_knowledge_base_knows_is_answered(services):
    messages, events = run(
        ActionHandleOutOfScope(services),
        tracker("how do I return an item", "out_of_scope", flags=["truncated"]),
    )

    assert messages[0]["text"].startswith("That's a long message")
    assert slot(events, "last_article") == "returns-how-to"


def test_not_helpful_offers_a_person(services):
    messages, _ = run(ActionHandleNotHelpful(services), tracker("that didn't help", "not_helpful"))

    assert messages[0]["buttons"][0]["payload"] == "/request_human"


def test_greeting_comes_from_the_business_facts(services):
    messages, _ = run(ActionGreet(services), tracker("hi", "greet"))

    assert "Fernhill Outfitters" in messages[0]["text"]


class BrokenSearcher:
    model_id = "broken"

    def search(self, text, *, limit=5, categories=None, shared_vectors=None):
        raise IndexMissingError("no index", hint="run supportbot kb build")

    def article(self, article_id):
        raise RuntimeError("disk on fire")

    @property
    def articles(self):
        raise RuntimeError("disk on fire")


def test_the_embedding_shared_by_the_nlu_is_used_instead_of_embedding_again(
    services, hash_embedder
):
    text = "how do I return an item"
    shared = encode_vector(hash_embedder.embed([text])[0], model_id=hash_embedder.model_id)
    message = tracker(text, "ask_returns")
    message.latest_message["text_embedding"] = shared
    calls = hash_embedder.calls

    _, events = run(ActionAnswerFromKnowledgeBase(services), message)

    assert slot(events, "last_article") == "returns-how-to"
    assert hash_embedder.calls == calls


def test_an_embedding_from_another_model_is_ignored(services, hash_embedder):
    text = "how do I return an item"
    message = tracker(text, "ask_returns")
    message.latest_message["text_embedding"] = encode_vector(
        hash_embedder.embed(["something else entirely"])[0], model_id="other-model@1"
    )

    _, events = run(ActionAnswerFromKnowledgeBase(services), message)

    assert slot(events, "last_article") == "returns-how-to"


def test_a_failing_service_gets_an_apology_and_contacts_never_a_stack_trace(settings, open_clock):
    services = Services(settings, clock=open_clock, searcher=BrokenSearcher())

    for message in (
        tracker("how do I return an item", "ask_returns"),
        tracker(
            "/choose_option", "choose_option", entities=[{"entity": "article_id", "value": "x"}]
        ),
    ):
        messages, events = run(ActionAnswerFromKnowledgeBase(services), message)

        assert messages[0]["text"].startswith(SORRY)
        assert "help@fernhill.example" in messages[0]["text"]
        assert "Traceback" not in messages[0]["text"] and events == []


def test_every_action_in_the_domain_is_implemented(project):
    import importlib
    import pkgutil

    import yaml

    import actions

    for module in pkgutil.iter_modules(actions.__path__):  # as rasa-sdk loads them
        importlib.import_module(f"actions.{module.name}")

    domain_actions = set(yaml.safe_load((project / "domain.yml").read_text())["actions"])
    implemented = {cls.action_name for cls in _concrete(SupportAction)}

    assert implemented == domain_actions


def _concrete(base: type) -> list[type]:
    import inspect

    found = []
    for cls in base.__subclasses__():
        if not inspect.isabstract(cls):
            found.append(cls)
        found.extend(_concrete(cls))
    return found


def test_an_article_chosen_in_an_italian_conversation_is_answered_in_italian(services):
    chosen = {"entity": "article_id", "value": "account-password-reset"}
    italian = tracker(
        "/choose_option",
        "choose_option",
        entities=[chosen],
        earlier=[("Ho dimenticato la password, come faccio ad entrare?", "nlu_fallback")],
    )
    italian.events[1]["parse_data"]["language"] = {"code": "it", "score": 0.97}
    english = tracker("/choose_option", "choose_option", entities=[chosen])

    answer, helped = run(ActionAnswerFromKnowledgeBase(services), italian)[0]
    translation = services.searcher.translations["it"]["account-password-reset"]
    assert answer["text"].endswith(f"Per saperne di più: {translation.link}")
    assert helped["text"] == "Ho risposto alla tua domanda?"
    answer, helped = run(ActionAnswerFromKnowledgeBase(services), english)[0]
    assert helped["text"] == "Did that answer your question?"
    assert "Per saperne" not in answer["text"]


def test_an_italian_question_unanswered_twice_gets_the_ways_to_a_person(services):
    weather = written_in("it", "Mi sapete dire che tempo farà domani a Milano?")
    again = written_in("it", "E dopodomani pioverà a Roma secondo voi?")
    answered = written_in("it", "Ho dimenticato la password, come faccio ad entrare?")
    answered.events.append({"event": "slot", "name": "awaiting_feedback", "value": True})

    first, _ = run(ActionHandleLowConfidence(services), _session(weather))
    second, _ = run(ActionHandleLowConfidence(services), _session(weather, again))
    after_an_answer, _ = run(ActionHandleLowConfidence(services), _session(answered, again))

    assert first[0]["text"] == say("not_found_here", "it")
    assert second[0]["text"] == say("not_understood", "it")
    assert len(second) == 2  # and how to reach the team, in Italian
    assert after_an_answer[0]["text"] == say("not_found_here", "it")
