"""Today is Vietnam's today, or the day the KETNAP_TODAY setting fixes (the demo's snapshot)."""
from datetime import date, datetime, timezone

from pages_support import pages, text  # noqa: F401  (pages is a fixture)
from pipeline.base import clock


class FrozenDateTime(datetime):
    now_utc = datetime(2026, 11, 25, 18, 30, tzinfo=timezone.utc)

    @classmethod
    def now(cls, tz=None):
        return cls.now_utc.astimezone(tz) if tz else cls.now_utc.replace(tzinfo=None)


def test_at_half_past_six_in_the_evening_utc_it_is_already_tomorrow_in_vietnam(monkeypatch):
    monkeypatch.setattr(clock, "datetime", FrozenDateTime)
    assert clock.today() == date(2026, 11, 26)


def test_the_setting_fixes_the_day_and_the_pages_say_so(app, pages, world):
    pages.login("sec_a1")
    assert "as if today were" not in text(pages.get("/candidates/"))
    app.config["TODAY"] = "2022-10-31"
    assert clock.today() == date(2022, 10, 31)
    page = text(pages.get("/candidates/"))
    assert "as if today were 31/10/2022" in page
