"""Today's date for the whole application: in Vietnam's time zone (the server may run on UTC,
where the evening is already the next day in Hà Nội), or a fixed day from the `TODAY` setting
(`KETNAP_TODAY=2022-10-31`), which the demo uses to stand on its snapshot date."""
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

TIME_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def fixed_today():
    """The configured day, or None when the clock is the real one."""
    if not has_app_context():
        return None
    value = current_app.config.get("TODAY")
    if not value:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def today():
    return fixed_today() or datetime.now(TIME_ZONE).date()


def utc_start_of(day):
    """The first instant of `day` in Vietnam as the naive UTC the tables keep (the logs' times)."""
    return datetime.combine(day, time.min, tzinfo=TIME_ZONE).astimezone(timezone.utc).replace(tzinfo=None)


def utc_now():
    """Now as naive UTC on the application's day: a fixed day (the demo's) stands for today."""
    local = datetime.combine(today(), datetime.now(TIME_ZONE).time(), tzinfo=TIME_ZONE)
    return local.astimezone(timezone.utc).replace(tzinfo=None)
