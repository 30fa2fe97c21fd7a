"""Complaints in one message's wording: the detector's own cases (its tuning list).

The held-out measure is bench/data/complaint_messages.yml (bench/complaint_recognition.py);
no message here is in it.
"""

from __future__ import annotations

import pytest

from bot.escalation.complaint_signs import SignKind, complaint_sign

COMPLAINTS = [
    # demands, insisted on
    ("refund me NOW", SignKind.DEMAND, "demands a refund"),
    ("I want my money back, this whole thing is a scam", SignKind.DEMAND, "demands a refund"),
    ("I want a refund immediately!!", SignKind.DEMAND, "demands a refund"),
    ("give me my money back you useless lot", SignKind.DEMAND, "demands a refund"),
    ("i demand compensation for this mess", SignKind.DEMAND, "demands compensation"),
    ("just pay me back today", SignKind.DEMAND, "demands a refund"),
    ("I want my money back, I'll never order from you again", SignKind.DEMAND, "demands a refund"),
    # threats, calm or not
    ("I'm taking this to the small claims court", SignKind.THREAT, "threatens legal action"),
    ("I will see you in court", SignKind.THREAT, "threatens legal action"),
    ("I have instructed a solicitor", SignKind.THREAT, "threatens legal action"),
    ("im gonna sue u", SignKind.THREAT, "threatens legal action"),
    (
        "reporting you to trading standard",
        SignKind.THREAT,
        "threatens to go to a regulator or ombudsman",
    ),
    (
        "I\u2019ll go to the ombudsman",
        SignKind.THREAT,
        "threatens to go to a regulator or ombudsman",
    ),
    ("ill report you", SignKind.THREAT, "threatens to report the shop"),
    ("i'll report your shop", SignKind.THREAT, "threatens to report the shop"),
    ("leaving you a one star review", SignKind.THREAT, "threatens a bad public review"),
    ("I'll post this all over facebook", SignKind.THREAT, "threatens to go public"),
    ("warning everyone on mumsnet about you", SignKind.THREAT, "threatens to go public"),
    ("you haven't heard the last of this", SignKind.THREAT, "threatens to take it further"),
    # chargebacks, calm or not
    ("im doing a chargeback", SignKind.CHARGEBACK, "threatens a chargeback"),
    ("how do chargebacks work with you lot", SignKind.CHARGEBACK, "threatens a chargeback"),
    ("I'm filing a charge back today", SignKind.CHARGEBACK, "threatens a chargeback"),
    (
        "I've asked my bank to reverse the payment",
        SignKind.CHARGEBACK,
        "disputes the payment with the bank",
    ),
    (
        "i'm disputing the transaction with my card provider",
        SignKind.CHARGEBACK,
        "disputes the payment with the bank",
    ),
    (
        "I told the bank it was fraud",
        SignKind.CHARGEBACK,
        "disputes the payment with the bank",
    ),
    (
        "can I dispute it? I'm going to anyway",
        SignKind.CHARGEBACK,
        "disputes the payment with the bank",
    ),
]

NOT_COMPLAINTS = [
    "how long does a refund take",
    "how do I get my money back?",
    "when will the refund show on my card",
    "I've sent the boots back now, when do I get my money back?",
    "can I have a refund instead of a voucher",
    "I want to know when my refund arrives",
    "can you refund me to my paypal",
    "is there a money back guarantee on boots",
    "i havent got my money back",
    "how do I report a fault",
    "I want to report the website is down",
    "where do I leave a review?",
    "I left you a 5 star review",
    "the boots have terrible reviews, are they really that bad?",
    "can I dispute a payment",
    "I've been charged twice, can I dispute it?",
    "my bank statement shows two payments, can you check",
    "I'm going to tell my friends how great you are",
    "I want to post the parcel back, where to?",
    "my solicitor's office takes deliveries",
    "Sue from your team was great",
    "ugh forgot my password AGAIN",
    "the court shoes are lovely",
    "my bank flagged your payment as fraud, can you help",
    "will I get the postage charge back if I return it",
    "I paid by paypal twice, please cancel the payment",
    "I want a refund or I could exchange them",
    "",
]


@pytest.mark.parametrize(("text", "kind", "reason"), COMPLAINTS)
def test_complaint_sign_recognises_demands_threats_and_chargebacks(text, kind, reason):
    sign = complaint_sign(text)

    assert sign is not None
    assert (sign.kind, sign.reason) == (kind, reason)


@pytest.mark.parametrize("text", NOT_COMPLAINTS)
def test_complaint_sign_leaves_questions_and_other_senses_alone(text):
    assert complaint_sign(text) is None


@pytest.mark.parametrize(
    "text",
    ["I want a refund for these boots", "give me my money back", "I want my money back please"],
)
def test_complaint_sign_counts_a_plain_demand_only_from_an_upset_customer(text):
    assert complaint_sign(text) is None
    assert complaint_sign(text, upset=True) == complaint_sign("refund me NOW")


@pytest.mark.parametrize(
    "text", ["can you send the money back to my paypal?", "can we expect compensation?"]
)
def test_complaint_sign_does_not_make_a_question_a_demand_from_sentiment_alone(text):
    assert complaint_sign(text, upset=True) is None
