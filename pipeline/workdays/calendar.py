"""The working-day calendar the deadlines count in (DOMAIN.md §3): Saturdays, Sundays and
Vietnam's public holidays (Tết and the observed days included, from the `holidays` package) are
days off; the admin's overrides (CalendarOverride) come first, so a swapped Saturday can be made
a working day and an extra day off can be added."""
from datetime import date, timedelta
from functools import cache, lru_cache
from types import MappingProxyType

import holidays
from sqlalchemy import select

from pipeline.extensions import db
from pipeline.workdays.models import CalendarOverride

COUNTRY = "VN"
SATURDAY = 5
# The package names VN's holidays in "vi", "en_US" and "th". The pages use the official Vietnamese
# names in every language: en_US would also write a swapped day's date month first ("05/04/2024"
# for 4 May).
LANGUAGE = "vi"


@lru_cache(maxsize=128)
def public_holidays(year, language=LANGUAGE):
    """(holiday names by date, Saturdays/Sundays the government made working days) for one year.
    Built once per year and language and kept read-only: safe to share between threads."""
    table = holidays.country_holidays(COUNTRY, years=year, language=language)
    names = MappingProxyType({day: name for day, name in table.items() if day.year == year})
    weekend_workdays = frozenset(day for day in table.weekend_workdays if day.year == year)
    return names, weekend_workdays


@cache
def _overrides_statement():
    # Built once: every act loads the calendar, and building the statement cost more than running it.
    return select(CalendarOverride.day, CalendarOverride.is_working_day)


def _read_overrides(session):
    """day -> True (a working day) or False (a day off), as the admin set them: one statement."""
    return {day: is_working for day, is_working in session.execute(_overrides_statement())}


class WorkingCalendar:
    """`overrides` maps a date to True (a working day) or False (a day off). Use `load()` to
    read them from the database: one query per calendar."""

    def __init__(self, overrides=None, language=LANGUAGE):
        self._overrides = dict(overrides or {})
        self._reader = None  # the session to read the overrides from, at the first day counted
        self.language = language
        self._years = {}  # year -> running count of its working days, day by day (working_days_between)

    @classmethod
    def load(cls, language=LANGUAGE, session=None):
        return cls(_read_overrides(session or db.session), language)

    @classmethod
    def when_needed(cls, session=None):
        """A calendar that reads the overrides only when it first counts a day: an act whose
        case has no running deadline (a document recorded in the dossier stage) does not read
        them at all."""
        calendar = cls()
        calendar._reader = session or db.session
        return calendar

    @property
    def overrides(self):
        if self._reader is not None:
            self._overrides, self._reader = _read_overrides(self._reader), None
        return self._overrides

    def holiday_name(self, day):
        """The public holiday's name on `day` (None if there is none), overrides aside."""
        return public_holidays(day.year, self.language)[0].get(day)

    def is_working_day(self, day):
        if day in self.overrides:
            return self.overrides[day]
        names, weekend_workdays = public_holidays(day.year, self.language)
        if day.weekday() >= SATURDAY:
            return day in weekend_workdays
        return day not in names

    def add_working_days(self, start, n):
        """The n-th working day after `start` (before it when n < 0; `start` itself when n = 0).
        "Within 30 working days of D" ends on add_working_days(D, 30)."""
        step = timedelta(days=1 if n >= 0 else -1)
        day, left = start, abs(n)
        while left:
            day += step
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, a, b):
        """Working days after `a` up to and including `b`; negative when b < a, so that
        working_days_between(a, add_working_days(a, n)) == n for every n. Counted from each year's
        running totals, not day by day: a report judges thousands of deadlines at once."""
        if b < a:
            return -self.working_days_between(b, a)
        if a.year == b.year:
            return self._running(b) - self._running(a)
        between = sum(self._running(date(year, 12, 31)) for year in range(a.year + 1, b.year))
        return self._running(date(a.year, 12, 31)) - self._running(a) + between + self._running(b)

    def _running(self, day):
        """Working days from 1 January of `day`'s year up to and including `day`."""
        totals = self._years.get(day.year)
        if totals is None:
            totals, count, first = [], 0, date(day.year, 1, 1)
            for offset in range((date(day.year + 1, 1, 1) - first).days):
                count += self.is_working_day(first + timedelta(days=offset))
                totals.append(count)
            self._years[day.year] = totals
        return totals[day.timetuple().tm_yday - 1]

    def special_days(self, year):
        """Every weekday off and every weekend working day of `year`, with its holiday name, for the
        admin page: [(date, is_working_day, holiday name or None, overridden)]."""
        names, weekend_workdays = public_holidays(year, self.language)
        days = set(names) | set(weekend_workdays) | {d for d in self.overrides if d.year == year}
        return [(day, self.is_working_day(day), names.get(day), day in self.overrides)
                for day in sorted(days) if day.year == year]
