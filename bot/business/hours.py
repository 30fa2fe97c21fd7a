"""When the support team is working: weekly hours, holidays, timezone.

Used to tell customers honestly whether a person is available now and, if not, when.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.catalogue import say, words

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

#: How far ahead ``next_opening`` looks before concluding the team never opens.
_LOOKAHEAD_DAYS = 60


@dataclass(frozen=True)
class OpeningHours:
    """Opening and closing time on one day (closing after opening, same day)."""

    opens: time
    closes: time

    def describe(self) -> str:
        return f"{_clock(self.opens)}–{_clock(self.closes)}"


@dataclass(frozen=True)
class BusinessHours:
    """The team's weekly schedule in one timezone, minus holidays."""

    timezone: str
    timezone_label: str
    weekly: tuple[OpeningHours | None, ...]  # Monday first; None = closed that day
    holidays: frozenset[date]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def hours_on(self, day: date) -> OpeningHours | None:
        """The opening hours on ``day``, or None when the team is off."""
        if day in self.holidays:
            return None
        return self.weekly[day.weekday()]

    def is_open(self, at: datetime) -> bool:
        """Whether the team is working at the moment ``at`` (any timezone; naive = UTC)."""
        local = self._local(at)
        hours = self.hours_on(local.date())
        return hours is not None and hours.opens <= local.time() < hours.closes

    def next_opening(self, at: datetime) -> datetime | None:
        """The next moment the team starts working, strictly after ``at`` (local time)."""
        local = self._local(at)
        for offset in range(_LOOKAHEAD_DAYS):
            day = local.date() + timedelta(days=offset)
            hours = self.hours_on(day)
            if hours is None:
                continue
            opening = datetime.combine(day, hours.opens, tzinfo=self.zone)
            if opening > local:
                return opening
        return None

    def describe_next_opening(
        self, at: datetime, *, language: str | None = None, timezone_label: str | None = None
    ) -> str:
        """'today at 9:00', 'tomorrow at 9:00', 'on Monday at 9:00' or 'on 2 January at 9:00'
        (in ``language``, with the timezone's label in it, where the catalogue has it)."""
        opening = self.next_opening(at)
        if opening is None:
            return say("moment.reopening", language)
        return self.describe_moment(
            opening, now=at, language=language, timezone_label=timezone_label
        )

    def describe_moment(
        self,
        moment: datetime,
        *,
        now: datetime,
        language: str | None = None,
        timezone_label: str | None = None,
    ) -> str:
        """``moment`` as seen from ``now``: 'today at 15:00 (UK time)', 'tomorrow at 9:00 ...',
        'on Monday at 9:00 ...' or 'on 2 January at 9:00 ...' (or in ``language``)."""
        local = self._local(moment)
        days = (local.date() - self._local(now).date()).days
        said = {"clock": _clock(local.time()), "zone": timezone_label or self.timezone_label}
        if days == 0:
            return say("moment.today", language, **said)
        if days == 1:
            return say("moment.tomorrow", language, **said)
        if 1 < days < 7:
            weekday = words("moment.weekdays", language)[local.weekday()]
            return say("moment.weekday", language, weekday=weekday, **said)
        month = words("moment.months", language)[local.month - 1]
        return say("moment.date", language, day=local.day, month=month, **said)

    def after_working_hours(self, start: datetime, hours: float) -> datetime | None:
        """The moment ``hours`` of the team's working time have passed after ``start``
        (time outside opening hours and on holidays does not count); None if the team never
        works again within the look-ahead."""
        left = timedelta(hours=hours)
        local = self._local(start)
        for offset in range(_LOOKAHEAD_DAYS * 2):
            day = local.date() + timedelta(days=offset)
            opening = self.hours_on(day)
            if opening is None:
                continue
            begins = max(datetime.combine(day, opening.opens, tzinfo=self.zone), local)
            ends = datetime.combine(day, opening.closes, tzinfo=self.zone)
            if begins >= ends:
                continue
            if ends - begins >= left:
                return begins + left
            left -= ends - begins
        return None

    def after_working_days(self, start: datetime, days: int) -> datetime | None:
        """The close of the ``days``-th working day after the day of ``start`` (that day does
        not count), in local time; None beyond the look-ahead."""
        local = self._local(start)
        counted = 0
        for offset in range(1, _LOOKAHEAD_DAYS * 2):
            day = local.date() + timedelta(days=offset)
            opening = self.hours_on(day)
            if opening is None:
                continue
            counted += 1
            if counted == days:
                return datetime.combine(day, opening.closes, tzinfo=self.zone)
        return None

    def describe_week(
        self,
        days: Sequence[str] | None = None,
        timezone_label: str | None = None,
        no_hours: str = "no regular hours",
    ) -> str:
        """The weekly schedule in words, e.g. 'Monday–Friday 9:00–17:00 (UK time)'; ``days``:
        the weekdays' names in another language, Monday first (and the timezone's label, and
        the words for a week without hours)."""
        names = days or [day.capitalize() for day in WEEKDAYS]
        groups: list[tuple[int, int, OpeningHours]] = []
        for index, hours in enumerate(self.weekly):
            if hours is None:
                continue
            if groups and groups[-1][2] == hours and groups[-1][1] == index - 1:
                groups[-1] = (groups[-1][0], index, hours)
            else:
                groups.append((index, index, hours))
        if not groups:
            return no_hours
        parts = []
        for first, last, hours in groups:
            span = names[first] if last == first else f"{names[first]}–{names[last]}"
            parts.append(f"{span} {hours.describe()}")
        return ", ".join(parts) + f" ({timezone_label or self.timezone_label})"

    def _local(self, at: datetime) -> datetime:
        if at.tzinfo is None:
            at = at.replace(tzinfo=ZoneInfo("UTC"))
        return at.astimezone(self.zone)


def _clock(moment: time) -> str:
    if moment == time.max:
        return "24:00"
    return f"{moment.hour}:{moment.minute:02d}"
