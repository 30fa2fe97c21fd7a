"""The business-facts file: who the company is, how to reach people, and its policies.

``knowledge_base/business.yml`` is the one file a business edits to change what the bot
promises. Answers in the knowledge base refer to these facts as ``{{ name }}`` placeholders,
so a changed return window or phone number changes every answer that mentions it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from bot.business.hours import WEEKDAYS, BusinessHours, OpeningHours
from bot.catalogue import say, weekday_names
from bot.errors import BusinessFactsError
from bot.language import language_code

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_HOURS = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


@dataclass(frozen=True)
class ContactOptions:
    """How customers reach a person when the chat cannot."""

    email: str
    phone: str
    email_reply_within: str  # e.g. "one working day"


@dataclass(frozen=True)
class ComplaintPolicy:
    """What the company commits to when a customer complains."""

    first_response_hours: int  # working hours until a person replies
    resolution_days: int  # working days until the complaint is resolved


@dataclass(frozen=True)
class LiveChatPolicy:
    """What the live chat with the team promises (``live_chat`` in the file)."""

    promised_wait_minutes: int = 10  # a longer estimate is said, and a message offered
    update_every_minutes: int = 2  # a waiting customer hears how it goes this often
    agent_capacity: int = 3  # conversations an agent takes at once unless set per agent
    abandon_after_seconds: int = 120  # a customer whose chat page stays closed this long left
    auto_assign: bool = False  # give waiting customers to the least-loaded online agent
    # ... who speaks their language: held this long for a busy colleague who does, then anyone
    same_language_wait_seconds: int = 120

    @property
    def language_hold(self) -> timedelta | None:
        """How long automatic assignment holds a customer for a busy colleague who speaks
        their language (None: agents claim by hand, nobody is held)."""
        return timedelta(seconds=self.same_language_wait_seconds) if self.auto_assign else None


@dataclass(frozen=True)
class BusinessFacts:
    """Everything the bot may promise, loaded from ``business.yml``."""

    company_name: str
    website: str
    help_centre: str
    hours: BusinessHours
    contact: ContactOptions
    complaints: ComplaintPolicy
    policies: dict[str, str]
    live_chat: LiveChatPolicy = LiveChatPolicy()
    order_number_pattern: str | None = None  # the shop's order numbers, masked in reviews
    #: Conversations idle this many days are erased everywhere, daily (None: kept).
    retention_days: int | None = None
    #: The facts in other languages, for articles translated into them: ``{language: {name:
    #: value}}``, a name being a placeholder's or ``timezone_label``.
    translations: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def placeholders(self, language: str | None = None) -> dict[str, str]:
        """Values available to articles as ``{{ name }}``; in ``language`` where the file
        gives them in it (the support hours with that language's weekday names)."""
        values = self._english_placeholders()
        said = self.translations.get(language or "", {})
        values["support_hours"] = self.week(language)
        values.update({k: v for k, v in said.items() if k != "timezone_label"})
        return values

    def _english_placeholders(self) -> dict[str, str]:
        values = {
            "company_name": self.company_name,
            "website": self.website,
            "help_centre": self.help_centre,
            "support_hours": self.hours.describe_week(),
            "support_email": self.contact.email,
            "support_phone": self.contact.phone,
            "email_reply_within": self.contact.email_reply_within,
            "complaint_first_response_hours": str(self.complaints.first_response_hours),
            "complaint_resolution_days": str(self.complaints.resolution_days),
        }
        values.update(self.policies)
        return values

    def render(self, template: str, *, where: str = "text", language: str | None = None) -> str:
        """Replace ``{{ name }}`` placeholders (in ``language`` where the file gives them in
        it); unknown names are an error naming ``where``."""
        values = self.placeholders(language)
        unknown = sorted(placeholder_names(template) - values.keys())
        if unknown:
            raise BusinessFactsError(
                f"{where}: unknown placeholder(s) {', '.join('{{ ' + u + ' }}' for u in unknown)}",
                hint=f"use one of: {', '.join(sorted(values))}",
            )
        return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)

    def timezone_label(self, language: str | None = None) -> str:
        """The team's timezone as a customer writing ``language`` reads it ("UK time")."""
        said = self.translations.get(language or "", {})
        return said.get("timezone_label") or self.hours.timezone_label

    def week(self, language: str | None = None) -> str:
        """The support hours in words, in ``language`` where the file and catalogue have it."""
        return self.hours.describe_week(
            weekday_names(language),
            self.timezone_label(language),
            say("moment.no_regular_hours", language),
        )

    def next_opening(self, now: datetime, language: str | None = None) -> str:
        """When the team is next at work, seen from ``now`` ("tomorrow at 9:00 (UK time)")."""
        label = self.timezone_label(language)
        return self.hours.describe_next_opening(now, language=language, timezone_label=label)

    def moment(self, when: datetime, now: datetime, language: str | None = None) -> str:
        """``when`` seen from ``now`` ("today at 15:00 (UK time)"), in ``language``."""
        label = self.timezone_label(language)
        return self.hours.describe_moment(when, now=now, language=language, timezone_label=label)

    def team_availability(self, now: datetime) -> str:
        """One honest sentence about whether people are working now, and if not, when."""
        if self.hours.is_open(now):
            return f"Our support team is working now ({self.hours.describe_week()})."
        return (
            "Our support team is not working right now; "
            f"they are back {self.hours.describe_next_opening(now)}."
        )


def placeholder_names(template: str) -> set[str]:
    """The names of the ``{{ name }}`` placeholders in ``template``."""
    return {m.group(1) for m in _PLACEHOLDER.finditer(template)}


def load_business_facts(path: Path) -> BusinessFacts:
    """Read and validate the business-facts file."""
    if not path.is_file():
        raise BusinessFactsError(
            f"business facts file not found: {path}",
            hint="create it from the example in knowledge_base/README.md",
        )
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise BusinessFactsError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise BusinessFactsError(f"{path}: expected a mapping at the top level")
    try:
        return _parse(raw)
    except BusinessFactsError as exc:
        raise BusinessFactsError(f"{path}: {exc.message}", hint=exc.hint) from None


def _parse(raw: dict[str, Any]) -> BusinessFacts:
    company = _section(raw, "company")
    support = _section(raw, "support")
    complaints = _section(raw, "complaints")
    policies = raw.get("policies") or {}
    live_chat = raw.get("live_chat") or {}
    if not isinstance(live_chat, dict):
        raise BusinessFactsError("'live_chat' must be a mapping")
    privacy = raw.get("privacy") or {}
    if not isinstance(privacy, dict):
        raise BusinessFactsError("'privacy' must be a mapping")
    if not isinstance(policies, dict):
        raise BusinessFactsError("'policies' must be a mapping of name: value")

    timezone = _text(support, "support.timezone")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise BusinessFactsError(f"support.timezone: unknown timezone {timezone!r}") from None

    hours_raw = support.get("hours")
    if not isinstance(hours_raw, dict):
        raise BusinessFactsError("support.hours must map each weekday to 'HH:MM-HH:MM' or closed")
    unknown_days = set(hours_raw) - set(WEEKDAYS)
    if unknown_days:
        raise BusinessFactsError(f"support.hours: unknown day(s) {sorted(unknown_days)}")
    weekly = tuple(_opening_hours(day, hours_raw.get(day, "closed")) for day in WEEKDAYS)

    holidays: set[date] = set()
    for item in support.get("holidays") or []:
        if isinstance(item, date):
            holidays.add(item)
        else:
            try:
                holidays.add(date.fromisoformat(str(item)))
            except ValueError:
                raise BusinessFactsError(
                    f"support.holidays: {item!r} is not a date (YYYY-MM-DD)"
                ) from None

    facts = BusinessFacts(
        company_name=_text(company, "company.name"),
        website=_text(company, "company.website"),
        help_centre=_text(company, "company.help_centre"),
        hours=BusinessHours(
            timezone=timezone,
            timezone_label=str(support.get("timezone_label") or timezone),
            weekly=weekly,
            holidays=frozenset(holidays),
        ),
        contact=ContactOptions(
            email=_text(support, "support.email"),
            phone=_text(support, "support.phone"),
            email_reply_within=_text(support, "support.email_reply_within"),
        ),
        complaints=ComplaintPolicy(
            first_response_hours=_positive_int(complaints, "complaints.first_response_hours"),
            resolution_days=_positive_int(complaints, "complaints.resolution_days"),
        ),
        policies={str(k): str(v) for k, v in policies.items()},
        live_chat=_live_chat(live_chat),
        order_number_pattern=_pattern(company.get("order_number_pattern")),
        retention_days=_positive_int(privacy, "privacy.retention_days")
        if privacy.get("retention_days") is not None
        else None,
    )
    # Translations may name any of the file's placeholders (and the timezone's label).
    return replace(facts, translations=_translations(raw.get("translations"), facts.placeholders()))


def _translations(value: object, placeholders: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """The ``translations`` section: each language's values for placeholders it names."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BusinessFactsError("'translations' must map languages to name: value")
    known = set(placeholders) | {"timezone_label"}
    found: dict[str, dict[str, str]] = {}
    for language, values in value.items():
        code = language_code(language)
        if code is None or not isinstance(values, dict):
            raise BusinessFactsError(
                f"translations: {language!r} must be a language code (like it) mapping "
                "placeholder names to values"
            )
        unknown = sorted(str(k) for k in values if str(k) not in known)
        if unknown:
            raise BusinessFactsError(
                f"translations.{code}: unknown name(s) {', '.join(unknown)}",
                hint=f"use placeholders' names or timezone_label: {', '.join(sorted(known))}",
            )
        found[code] = {str(k): str(v).strip() for k, v in values.items()}
    return found


def _section(raw: dict[str, Any], name: str) -> dict[str, Any]:
    value = raw.get(name)
    if not isinstance(value, dict):
        raise BusinessFactsError(f"missing section '{name}'")
    return value


def _text(section: dict[str, Any], dotted: str) -> str:
    value = section.get(dotted.rsplit(".", 1)[-1])
    if value is None or not str(value).strip():
        raise BusinessFactsError(f"{dotted} is required")
    return str(value).strip()


def _pattern(value: object) -> str | None:
    if value is None:
        return None
    try:
        re.compile(str(value))
    except re.error as exc:
        raise BusinessFactsError(
            f"company.order_number_pattern is not a regular expression: {exc}"
        ) from None
    return str(value)


def _live_chat(section: dict[str, Any]) -> LiveChatPolicy:
    values: dict[str, Any] = {}
    for name in LiveChatPolicy.__dataclass_fields__:
        if name not in section:
            continue
        if name == "auto_assign":
            if not isinstance(section[name], bool):
                raise BusinessFactsError("live_chat.auto_assign must be true or false")
            values[name] = section[name]
        else:
            values[name] = _positive_int(section, f"live_chat.{name}")
    return LiveChatPolicy(**values)


def _positive_int(section: dict[str, Any], dotted: str) -> int:
    value = section.get(dotted.rsplit(".", 1)[-1])
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise BusinessFactsError(f"{dotted} must be a whole number of at least 1")
    return value


def _opening_hours(day: str, value: object) -> OpeningHours | None:
    if value is None or str(value).strip().lower() == "closed":
        return None
    match = _HOURS.match(str(value).strip())
    if not match:
        raise BusinessFactsError(f"support.hours.{day}: expected 'HH:MM-HH:MM' or closed")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        # "24:00" closes at midnight (the team works until the end of the day).
        opens, closes = time(h1, m1), time.max if (h2, m2) == (24, 0) else time(h2, m2)
    except ValueError:
        raise BusinessFactsError(f"support.hours.{day}: {value!r} is not a valid time") from None
    if closes <= opens:
        raise BusinessFactsError(f"support.hours.{day}: closing time must be after opening time")
    return OpeningHours(opens=opens, closes=closes)
