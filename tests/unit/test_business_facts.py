from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml

from bot.business import load_business_facts
from bot.errors import BusinessFactsError
from tests.conftest import PROJECT

DEMO = PROJECT / "knowledge_base" / "business.yml"


@pytest.fixture
def facts():
    return load_business_facts(DEMO)


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (datetime(2026, 11, 24, 8, 59, tzinfo=UTC), False),  # Tuesday before 9:00
        (datetime(2026, 11, 24, 9, 0, tzinfo=UTC), True),
        (datetime(2026, 11, 24, 16, 59, tzinfo=UTC), True),
        (datetime(2026, 11, 24, 17, 0, tzinfo=UTC), False),
        (datetime(2026, 11, 28, 13, 0, tzinfo=UTC), True),  # Saturday 10-14
        (datetime(2026, 11, 29, 12, 0, tzinfo=UTC), False),  # Sunday
        (datetime(2026, 12, 25, 12, 0, tzinfo=UTC), False),  # Christmas, a Friday
        (datetime(2027, 7, 1, 8, 30, tzinfo=UTC), True),  # 9:30 in London summer time
    ],
)
def test_business_hours_follow_weekdays_holidays_and_timezone(facts, moment, is_open):
    assert facts.hours.is_open(moment) is is_open


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 11, 24, 7, 0, tzinfo=UTC), "today at 9:00 (UK time)"),
        (datetime(2026, 11, 24, 18, 0, tzinfo=UTC), "tomorrow at 9:00 (UK time)"),
        (datetime(2026, 11, 28, 15, 0, tzinfo=UTC), "on Monday at 9:00 (UK time)"),
        (datetime(2026, 12, 24, 18, 0, tzinfo=UTC), "on Tuesday at 9:00 (UK time)"),
    ],
)
def test_next_opening_is_described_in_words(facts, moment, expected):
    assert facts.hours.describe_next_opening(moment) == expected


def test_weekly_hours_group_equal_days(facts):
    assert facts.hours.describe_week() == (
        "Monday–Friday 9:00–17:00, Saturday 10:00–14:00 (UK time)"
    )


def test_render_fills_placeholders_from_the_facts(facts):
    text = facts.render("Return within {{ return_window_days }} days or call {{support_phone}}.")

    assert text == "Return within 30 days or call +44 20 7946 0321."


def test_render_names_unknown_placeholders(facts):
    with pytest.raises(
        BusinessFactsError, match=r"returns/x.md: unknown placeholder.*refund_window"
    ):
        facts.render("{{ refund_window }}", where="returns/x.md")


def test_team_availability_never_promises_a_person_outside_hours(facts):
    closed = facts.team_availability(datetime(2026, 11, 29, 12, 0, tzinfo=UTC))
    open_ = facts.team_availability(datetime(2026, 11, 24, 11, 0, tzinfo=UTC))

    assert "not working right now" in closed and "back tomorrow at 9:00" in closed
    assert "working now" in open_


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "business.yml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["support"].update(timezone="Mars/Olympus"), "unknown timezone"),
        (
            lambda d: d["support"]["hours"].update(monday="17:00-09:00"),
            "closing time must be after",
        ),
        (lambda d: d["support"]["hours"].update(monday="9 to 5"), "expected 'HH:MM-HH:MM'"),
        (lambda d: d["support"]["hours"].update(funday="09:00-10:00"), "unknown day"),
        (lambda d: d["support"].update(holidays=["next tuesday"]), "is not a date"),
        (lambda d: d["complaints"].update(first_response_hours=0), "at least 1"),
        (lambda d: d.pop("company"), "missing section 'company'"),
        (lambda d: d["live_chat"].update(auto_assign="yes"), "true or false"),
        (lambda d: d["live_chat"].update(abandon_after_seconds=0), "at least 1"),
        (lambda d: d["support"].pop("email"), "support.email is required"),
        (lambda d: d["translations"]["it"].update(refund_dayz="5"), "unknown name.*refund_dayz"),
        (lambda d: d["translations"].update(italiano={}), "must be a language code"),
    ],
)
def test_invalid_business_facts_are_rejected_with_the_reason(tmp_path, change, message):
    data = yaml.safe_load(DEMO.read_text())
    change(data)

    with pytest.raises(BusinessFactsError, match=message):
        load_business_facts(_write(tmp_path, data))


def test_missing_business_facts_file_says_so(tmp_path):
    with pytest.raises(BusinessFactsError, match="not found"):
        load_business_facts(tmp_path / "nope.yml")


def test_holidays_close_the_team(tmp_path):
    data = yaml.safe_load(DEMO.read_text())
    data["support"]["holidays"] = [date(2026, 11, 24)]
    facts = load_business_facts(_write(tmp_path, data))

    assert not facts.hours.is_open(datetime(2026, 11, 24, 11, 0, tzinfo=UTC))


@pytest.mark.parametrize(("retention", "expected"), [(None, None), (90, 90)], ids=["kept", "90"])
def test_the_retention_period_is_optional(tmp_path, retention, expected):
    data = yaml.safe_load(DEMO.read_text())
    data.pop("privacy", None)
    if retention is not None:
        data["privacy"] = {"retention_days": retention}

    assert load_business_facts(_write(tmp_path, data)).retention_days == expected


@pytest.mark.parametrize("value", [0, -5, "forever", 1.5, True])
def test_a_retention_period_must_be_whole_days(tmp_path, value):
    data = yaml.safe_load(DEMO.read_text())
    data["privacy"] = {"retention_days": value}

    with pytest.raises(BusinessFactsError, match=r"privacy\.retention_days"):
        load_business_facts(_write(tmp_path, data))


def test_a_translated_article_gets_the_facts_in_its_language(facts):
    template = "{{ support_hours }}; {{ refund_days }}; {{ support_email }}"

    assert facts.render(template, language="it") == (
        "lunedì–venerdì 9:00–17:00, sabato 10:00–14:00 (ora del Regno Unito); "
        "5 giorni lavorativi; help@fernhill.example"  # not translated: as it is
    )
    assert facts.render(template, language="lt").startswith("pirmadienis–penktadienis 9:00")
    # English, and a language the file has no values for, get the file's own values.
    english = "Monday–Friday 9:00–17:00, Saturday 10:00–14:00 (UK time); 5 working days"
    assert facts.render(template).startswith(english)
    assert facts.render(template, language="de").startswith(english)
