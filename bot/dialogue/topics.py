"""The shop topics the NLU recognises: a label for customers, and where answers live.

Each topic intent is answered from the knowledge base; ``categories`` narrow the search when
the customer picked the topic from a menu instead of asking a question.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    intent: str
    label: str  # shown on buttons: "Did you mean: <label>?"
    categories: tuple[str, ...]  # knowledge-base categories that answer it


TOPICS: dict[str, Topic] = {
    t.intent: t
    for t in (
        Topic("ask_order_status", "Order status and tracking", ("orders",)),
        Topic("change_order", "Changing an order", ("orders", "shipping")),
        Topic("cancel_order", "Cancelling an order", ("orders",)),
        Topic("report_delivery_problem", "A problem with a delivery", ("shipping", "orders")),
        Topic("ask_shipping", "Delivery options and costs", ("shipping",)),
        Topic("ask_international_shipping", "Delivery outside the UK", ("shipping", "returns")),
        Topic("ask_returns", "Returns and exchanges", ("returns",)),
        Topic("ask_refund", "Refunds", ("refunds",)),
        Topic("ask_payment_methods", "Ways to pay and gift cards", ("payments",)),
        Topic("report_payment_problem", "A problem with a payment", ("payments", "website")),
        Topic("ask_discount", "Discount codes and offers", ("payments", "policies", "refunds")),
        Topic("ask_account_help", "Signing in to your account", ("account",)),
        Topic("manage_account", "Managing your account", ("account", "orders")),
        Topic("ask_product_info", "Product details and care", ("products",)),
        Topic("ask_size_fit", "Sizes and fit", ("products",)),
        Topic("ask_warranty", "Faults, warranty and repairs", ("warranty",)),
        Topic("ask_store_policy", "Our policies and programmes", ("policies",)),
        Topic("ask_contact", "Contacting our team", ("policies",)),
        Topic("report_website_problem", "A problem with the website", ("website",)),
    )
}
