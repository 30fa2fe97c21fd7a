from __future__ import annotations

import json

from bot.business import load_business_facts
from bot.dialogue.greeting import greeting_reply
from bot.handoff.contact import complaint_next_step, complaint_reply, human_contact_reply
from bot.knowledge import Article
from bot.knowledge.replies import answer_reply, chat_text, choose_article_reply
from tests.conftest import CLOSED_TIME, OPEN_TIME, PROJECT

FACTS = load_business_facts(PROJECT / "knowledge_base" / "business.yml")


def test_chat_text_joins_wrapped_lines_and_keeps_lists_and_paragraphs():
    markdown = "First line\ncontinues here.\n\n- item one\n  wraps\n- item two\n\nLast."

    assert (
        chat_text(markdown) == "First line continues here.\n\n- item one wraps\n- item two\n\nLast."
    )


def test_an_answer_shows_its_source_link():
    article = Article("a", "Q?", (), "The answer.", "c", link="https://shop.example/a")

    assert answer_reply(article).text == "The answer.\n\nMore: https://shop.example/a"


def test_choice_buttons_carry_the_article_id_as_an_entity():
    reply = choose_article_reply([Article("returns-policy", "Returns?", (), "x", "c")])

    payload = reply.buttons[0].payload
    assert payload.startswith("/choose_option")
    assert json.loads(payload[len("/choose_option") :]) == {"article_id": "returns-policy"}
    assert reply.buttons[-1].payload == "/request_human"


def test_offer_of_a_person_during_hours_gives_the_phone_number():
    text = human_contact_reply(FACTS, OPEN_TIME).text

    assert "working now" in text and FACTS.contact.phone in text


def test_offer_of_a_person_outside_hours_says_when_they_are_back():
    text = human_contact_reply(FACTS, CLOSED_TIME).text

    assert "isn't working right now" in text
    assert "back tomorrow at 9:00 (UK time)" in text
    assert "right with you" not in text and "24/7" not in text


def test_complaints_get_the_commitment_from_the_business_facts():
    due = FACTS.hours.after_working_hours(CLOSED_TIME, 4)
    text = complaint_reply(
        FACTS, CLOSED_TIME, reference="C-00007", first_response_due=due, resolution_due=None
    ).text

    assert "logged your complaint as C-00007" in text
    assert "reply by tomorrow at 13:00 (UK time) (4 working hours at most)" in text
    assert "within 5 working days" in text  # no date known: the policy in words
    step = complaint_next_step(FACTS, CLOSED_TIME, "C-00007")
    assert FACTS.contact.email in step and "quoting C-00007" in step


def test_the_greeting_names_the_company_and_offers_a_person():
    reply = greeting_reply(FACTS)

    assert "Fernhill Outfitters" in reply.text
    assert [b.payload for b in reply.buttons] == ["/request_human"]
