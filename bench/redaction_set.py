"""Builds ``bench/data/redaction_set.jsonl``: customer-style messages with planted personal data.

Every value is synthetic and made here (seeded, so the file is reproducible): e-mail addresses on
.example domains, phone numbers from ranges reserved for fiction (UK 07700 900xxx and
020 7946 0xxx, US 555-01xx) and other formats, card numbers that pass the Luhn check, IBANs
with valid check digits, the demo shop's order numbers, street addresses and names. Each row:
``{"text", "plants": [{"kind", "value"}], "set": "planted" | "clean"}``. The clean rows are
our own NLU examples and product talk (sizes, prices, dates, model names) that must come out
unchanged.

Run: ``.venv/bin/python -m bench.redaction_set`` (then ``bench.redaction`` scores it).
"""

from __future__ import annotations

import json
import random
import string

import yaml

from bench.common import PROJECT
from bot.privacy.patterns import luhn_valid

OUT = PROJECT / "bench" / "data" / "redaction_set.jsonl"
FIRST = [
    "Anna",
    "Tom",
    "Priya",
    "Jamal",
    "Chloe",
    "Marek",
    "Sofia",
    "Liam",
    "Aisha",
    "Oskar",
    "Emily",
    "Kenji",
    "Fatima",
    "Lucas",
    "Ines",
    "Noah",
    "Zara",
    "Mateo",
    "Olga",
    "Ben",
]
LAST = [
    "Kowalski",
    "Smith",
    "Patel",
    "Okafor",
    "Dubois",
    "Novak",
    "Rossi",
    "Murphy",
    "Khan",
    "Lindqvist",
    "Brown",
    "Tanaka",
    "Haddad",
    "Silva",
    "Garcia",
    "Evans",
    "Ali",
    "Moreno",
]
STREETS = [
    "Baker Street",
    "High Road",
    "Mill Lane",
    "Station Road",
    "Church Close",
    "Victoria Avenue",
    "Park Terrace",
    "Queens Gardens",
    "Elm Grove",
    "Kings Court",
]
DOMAINS = ["example.com", "mail.example.org", "example.co.uk", "inbox.example.net"]


def luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    return next(body + check for check in string.digits if luhn_valid(body + check))


def iban(country: str, length: int, rng: random.Random) -> str:
    bban = "".join(rng.choice(string.digits) for _ in range(length - 4))
    if country in ("GB", "NL"):  # a bank code in letters first
        bban = "".join(rng.choice(string.ascii_uppercase) for _ in range(4)) + bban[4:]
    number = int("".join(str(int(c, 36)) for c in bban + country + "00"))
    return f"{country}{98 - number % 97:02d}{bban}"


def email(rng: random.Random) -> str:
    first, last = rng.choice(FIRST).lower(), rng.choice(LAST).lower()
    local = rng.choice([f"{first}.{last}", f"{first[0]}{last}", f"{first}{rng.randint(1, 99)}",
                        f"{first}_{last}+orders"])  # fmt: skip
    return f"{local}@{rng.choice(DOMAINS)}"


def phone(rng: random.Random) -> str:
    n3, n2 = rng.randint(100, 999), rng.randint(10, 99)
    return rng.choice(
        [
            f"07700 900{n3}",
            f"07700900{n3}",
            f"+44 7700 900{n3}",
            f"+44 (0)20 7946 0{n3}",
            f"020 7946 0{n3}",
            f"+1 415-555-01{n2}",
            f"(415) 555-01{n2}",
            f"415.555.01{n2}",
            f"+49 30 901820{n2}",
            f"+33 1 23 45 67 {n2}",
            f"0044 7700 900 {n3}",
        ]
    )


def card(rng: random.Random) -> str:
    kind = rng.choice(["visa", "mastercard", "amex"])
    if kind == "amex":
        digits = luhn_complete(rng.choice(["34", "37"]), 15, rng)
        groups = [digits[:4], digits[4:10], digits[10:]]
    else:
        digits = luhn_complete("4" if kind == "visa" else str(rng.randint(51, 55)), 16, rng)
        groups = [digits[i : i + 4] for i in range(0, 16, 4)]
    return rng.choice([" ".join(groups), "-".join(groups), "".join(groups)])


def an_iban(rng: random.Random) -> str:
    country, length = rng.choice([("GB", 22), ("DE", 22), ("FR", 27), ("NL", 18), ("ES", 24)])
    value = iban(country, length, rng)
    if rng.random() < 0.5:
        return " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    return value


def order(rng: random.Random) -> str:
    return rng.choice([f"FH{rng.randint(10000, 999999)}", f"fh{rng.randint(10000, 99999)}"])


def address(rng: random.Random) -> str:
    house = rng.choice([str(rng.randint(1, 250)), f"{rng.randint(1, 99)}B"])
    return f"{house} {rng.choice(STREETS)}"


def name(rng: random.Random) -> str:
    return rng.choice([rng.choice(FIRST), f"{rng.choice(FIRST)} {rng.choice(LAST)}"])


TEMPLATES = {
    "EMAIL": ["my email is {}", "you can reach me at {} thanks", "please send the invoice to {}",
              "I changed my email to {} but still get nothing", "{} is the account email",
              "Email: {}", "contact me on {} asap!!"],
    "PHONE": ["my number is {}", "call me on {} please", "you can ring me at {} after 5",
              "Phone: {}", "text me at {}", "{} is my mobile, the courier never called",
              "the delivery guy should call {} when he arrives"],
    "CARD": ["I paid with card {} and was charged twice", "my card number is {}",
             "refund to {} please", "card {} was declined??", "Card: {} exp 04/27"],
    "IBAN": ["please refund to my account {}", "IBAN: {}", "my bank details are {}",
             "can you send the money to {} instead", "{} is my iban"],
    "ORDER": ["where is my order {}", "order {} hasn't arrived", "I want to return {}",
              "Order number: {}", "{} arrived damaged", "the parcel for {} is lost"],
    "ADDRESS": ["please deliver to {}", "I moved to {}, can you update it",
                "my address is {}", "the parcel went to {} instead of my house"],
    "NAME": ["my name is {}", "Hi, this is {} again", "Regards, {}", "Thanks, {}",
             "Please address it to Mr {}", "I'm {} and I ordered boots"],
}  # fmt: skip
MAKERS = {"EMAIL": email, "PHONE": phone, "CARD": card, "IBAN": an_iban, "ORDER": order,
          "ADDRESS": address, "NAME": name}  # fmt: skip
PRODUCT_TALK = [
    "Do you have the Trailblazer 2 boots in size 42?",
    "I ordered 2 x 500ml bottles on 12/03/2024 for £49.99",
    "The Nike Air Max 90 is out of stock again",
    "Is the iPhone 15 case compatible with the Pro model?",
    "Your hours say 9:00-17:30 but nobody answers",
    "I was charged €120 instead of €99.50",
    "Delivery took 14 days, you promised 3-5 working days",
    "Can I return it after 30 days?",
    "The 2-pack of socks in UK 8 please",
    "My parcel weighs 2.5 kg, is shipping to Norway extra?",
    "Version 2.3.1 of the app crashes on Android 14",
    "I bought the North Face jacket in XL, colour navy",
    "It is 2024-11-05 and I still have no refund",
    "Order arrived on Monday, 3 items missing out of 10",
    "Do you price match Amazon or John Lewis?",
    "Call centre hours? Is it open on 26 December?",
    "Hello I am not happy with the service",
    "I'm Sorry but this is ridiculous",
    "This is the third time I ask",
    "Thanks, that helped a lot",
]


def nlu_examples() -> list[str]:
    texts: list[str] = []
    for path in sorted((PROJECT / "data" / "nlu").glob("*.yml")):
        for item in yaml.safe_load(path.read_text()).get("nlu", []):
            for line in str(item.get("examples", "")).splitlines():
                text = line.strip().removeprefix("- ").strip()
                if text and "[" not in text:  # annotated entities carry values
                    texts.append(text)
    return texts


def build(seed: int = 7, per_kind: int = 300) -> list[dict[str, object]]:
    rng = random.Random(seed)
    rows: list[dict[str, object]] = []
    for kind, templates in TEMPLATES.items():
        for _ in range(per_kind):
            value = MAKERS[kind](rng)
            plants = [{"kind": kind, "value": value}]
            text = rng.choice(templates).format(value)
            if rng.random() < 0.3:  # a second kind in the same message
                other = rng.choice(["EMAIL", "PHONE", "ORDER"])
                extra = MAKERS[other](rng)
                text += f" — {rng.choice(TEMPLATES[other]).format(extra)}"
                plants.append({"kind": other, "value": extra})
            rows.append({"set": "planted", "text": text, "plants": plants})
    for text in nlu_examples() + PRODUCT_TALK:
        rows.append({"set": "clean", "text": text, "plants": []})
    return rows


def main() -> None:
    rows = build()
    OUT.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    print(f"wrote {len(rows)} rows to {OUT.relative_to(PROJECT)}")


if __name__ == "__main__":
    main()
