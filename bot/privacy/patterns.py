"""Validated patterns for structured personal data: e-mail, phone, card, IBAN, order numbers,
postcodes. Each ``find_*`` returns ``(start, end)`` spans in the text.

A pattern alone is not enough where ordinary text looks alike: card numbers must pass the Luhn
check, IBANs the ISO 7064 mod-97 check, and a phone number needs enough digits and must not be
a date, a time range or an amount.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

Span = tuple[int, int]

_EMAIL = re.compile(
    # Starts only where a run of address characters starts (% included): linear time.
    r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"
)
_CARD = re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])")
#: Card numbers start with an issuer's prefix: Visa 4, Mastercard 51-55 and 22-27, Amex 34/37,
#: Diners 30/36/38, JCB 35, Discover and UnionPay 6.
_CARD_ISSUER = re.compile(r"^(?:4|5[1-5]|2[2-7]|3[0457-8]|36|6)")
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]){11,30}(?![A-Za-z0-9])")
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d[\d ().\-/]{5,}\d(?![\w])")
_PHONE_CUE = re.compile(
    r"(?:phone|call|ring|tel|mobile|cell|number|whatsapp|text me)\W{0,3}(?:\w+\W+){0,2}$", re.I
)
_DATE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")
_TIME_RANGE = re.compile(r"^\d{1,2}[.:]\d{2}\s*-\s*\d{1,2}[.:]\d{2}$")
_ORDER_CUE = re.compile(
    r"\b(?:order|ref(?:erence)?|invoice|parcel|tracking|return)\s*"
    r"(?:no\.?|number|num|nr|id|code)?\s*[:#]?\s*#?\s*"
    r"(?P<id>[A-Za-z0-9][A-Za-z0-9-]{3,30})",
    re.I,
)
_HASH_NUMBER = re.compile(r"(?<!\w)#\d{4,12}(?!\w)")
#: UK postcodes (upper case, as written on letters: lower-case look-alikes are too common).
_POSTCODE = re.compile(r"\b(?:GIR ?0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})\b")


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def iban_valid(candidate: str) -> bool:
    compact = candidate.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34 or not compact[2:4].isdigit():
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(char, 36)) for char in rearranged)
    return int(number) % 97 == 1


def find_emails(text: str) -> Iterator[Span]:
    for match in _EMAIL.finditer(text):
        yield match.span()


def find_cards(text: str) -> Iterator[Span]:
    for match in _CARD.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and _CARD_ISSUER.match(digits) and luhn_valid(digits):
            yield match.span()


def find_ibans(text: str) -> Iterator[Span]:
    """The candidate may run on into the next words ("... 0598 399 is my iban"): the longest
    prefix that passes the check is the IBAN."""
    for match in _IBAN.finditer(text):
        candidate = match.group()
        for end in range(len(candidate), 14, -1):
            if candidate[end - 1] != " " and iban_valid(candidate[:end]):
                after = candidate[end : end + 1]
                if not after or after == " ":
                    yield match.start(), match.start() + end
                    break


def find_phones(text: str) -> Iterator[Span]:
    for match in _PHONE.finditer(text):
        start, end = match.span()
        found = match.group().rstrip(" .-/(")
        end = start + len(found)
        if found.startswith("(") and ")" not in found:
            found, start = found[1:], start + 1
        digits = re.sub(r"\D", "", found)
        if _DATE.match(found) or _TIME_RANGE.match(found):
            continue
        international = found.startswith(("+", "00"))
        if (
            9 <= len(digits) <= 15
            or (international and len(digits) >= 8)
            or (7 <= len(digits) <= 8 and _PHONE_CUE.search(text[max(0, start - 30) : start]))
        ):
            yield start, end


def find_orders(text: str, shop_pattern: re.Pattern[str] | None) -> Iterator[Span]:
    if shop_pattern is not None:
        for match in shop_pattern.finditer(text):
            yield match.span()
    for match in _ORDER_CUE.finditer(text):
        token = match.group("id")
        if sum(char.isdigit() for char in token) >= 3:
            yield match.span("id")
    for match in _HASH_NUMBER.finditer(text):
        yield match.span()


def find_postcodes(text: str) -> Iterator[Span]:
    for match in _POSTCODE.finditer(text):
        yield match.span()
