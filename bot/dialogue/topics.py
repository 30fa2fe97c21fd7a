"""The shop topics the NLU recognises: a label for customers, and where answers live.

The labels are the catalogue's (``topic.<intent>`` in ``bot/catalogue/en.yml`` and its
translations).

Each topic intent is answered from the knowledge base; ``categories`` narrow the search when
the customer picked the topic from a menu instead of asking a question.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.catalogue import say


@dataclass(frozen=True)
class Topic:
    intent: str
    categories: tuple[str, ...]  # knowledge-base categories that answer it

    @property
    def label(self) -> str:
        """How buttons name it ("Returns and exchanges"), in English."""
        return self.label_in(None)

    def label_in(self, language: str | None) -> str:
        """Its name in ``language`` (``topic.<intent>`` in the catalogue; English where that
        language has none)."""
        return say(f"topic.{self.intent}", language)


TOPICS: dict[str, Topic] = {
    t.intent: t
    for t in (
        Topic("ask_order_status", ("orders",)),
        Topic("change_order", ("orders", "shipping")),
        Topic("cancel_order", ("orders",)),
        Topic("report_delivery_problem", ("shipping", "orders")),
        Topic("ask_shipping", ("shipping",)),
        Topic("ask_international_shipping", ("shipping", "returns")),
        Topic("ask_returns", ("returns",)),
        Topic("ask_refund", ("refunds",)),
        Topic("ask_payment_methods", ("payments",)),
        Topic("report_payment_problem", ("payments", "website")),
        Topic("ask_discount", ("payments", "policies", "refunds")),
        Topic("ask_account_help", ("account",)),
        Topic("manage_account", ("account", "orders")),
        Topic("ask_product_info", ("products",)),
        Topic("ask_size_fit", ("products",)),
        Topic("ask_warranty", ("warranty",)),
        Topic("ask_store_policy", ("policies",)),
        Topic("ask_contact", ("policies",)),
        Topic("report_website_problem", ("website",)),
    )
}
