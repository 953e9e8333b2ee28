"""The working-day calendar through the API: an administrator reads the year's special days, adds
an extra day off (the running deadlines counted in working days move with it, as the page's do)
and deletes it; every other role's token finds no calendar there (404), and a read-only token
writes nothing."""
from datetime import date

import sqlalchemy as sa

from api_support import ROLES, bearer, token_for
from pipeline.extensions import db
from pipeline.workdays.models import CalendarOverride


def overrides():
    return db.session.execute(sa.select(sa.func.count()).select_from(CalendarOverride)).scalar_one()


def test_an_administrator_adds_and_deletes_a_day_off(app, world):
    api, secret = app.test_client(), token_for(world["admin"])
    year = api.get("/api/v1/calendar", headers=bearer(secret), query_string={"year": 2022}).json
    new_year = next(day for day in year["days"] if day["day"] == "2022-01-01")
    assert new_year["working"] is False and new_year["holiday"] and not new_year["overridden"]
    added = api.post("/api/v1/calendar", headers=bearer(secret),
                     json={"day": "2022-03-14", "kind": "off", "note": "Công văn 123/UBND"})
    assert added.status_code == 201, added.json
    assert added.json | {"id": 0} == {"id": 0, "day": "2022-03-14", "kind": "off", "note": "Công văn 123/UBND"}
    year = api.get("/api/v1/calendar", headers=bearer(secret), query_string={"year": 2022}).json
    assert {"day": "2022-03-14", "working": False, "holiday": None, "overridden": True} in year["days"]
    assert [row["id"] for row in year["overrides"]] == [added.json["id"]]
    # The same day again, and a day off made a day off: refused with the field named.
    again = api.post("/api/v1/calendar", headers=bearer(secret), json={"day": "2022-03-14", "kind": "working"})
    assert again.status_code == 422 and "day" in again.json["errors"]["json"]
    sunday = api.post("/api/v1/calendar", headers=bearer(secret, **{"Accept-Language": "en"}),
                      json={"day": "2022-03-13", "kind": "off"})
    assert sunday.status_code == 422 and sunday.json["errors"]["json"]["kind"] == ["13/03/2022 is already a day off."]
    assert api.post("/api/v1/calendar", headers=bearer(secret), json={"day": "1999-12-31", "kind": "off"}
                    ).status_code == 422
    deleted = api.delete(f"/api/v1/calendar/{added.json['id']}", headers=bearer(secret))
    assert deleted.status_code == 204 and overrides() == 0
    assert api.delete(f"/api/v1/calendar/{added.json['id']}", headers=bearer(secret)).status_code == 404


def test_a_day_off_moves_a_running_deadline_counted_in_working_days(app, world, make_case):
    """What the page's change does: the case's deadline read through the API moves a day."""
    case = make_case("committee_review")
    api, admin = app.test_client(), token_for(world["admin"])

    def due_dates():
        return {d["key"]: d["due_on"] for d in api.get(f"/api/v1/cases/{case.id}", headers=bearer(admin)).json[
            "deadlines"] if d["unit"] == "working_days" and d["due_on"]}
    before = due_dates()
    assert before, "the case has a running deadline counted in working days"
    rule, due = next(iter(before.items()))
    day_before_due = date.fromisoformat(due)
    while day_before_due.weekday() >= 5 or day_before_due == date.fromisoformat(due):
        day_before_due = date.fromordinal(day_before_due.toordinal() - 1)
    assert api.post("/api/v1/calendar", headers=bearer(admin),
                    json={"day": day_before_due.isoformat(), "kind": "off"}).status_code == 201
    assert due_dates()[rule] > due


def test_every_role_and_token_against_the_calendar(app, world):
    api, problems = app.test_client(), []
    for who, username in ROLES.items():
        for write in (False, True):
            secret = token_for(world[username], may_write=write, name=f"{who}-{write}")
            admin = who == "admin"
            read = api.get("/api/v1/calendar", headers=bearer(secret))
            added = api.post("/api/v1/calendar", headers=bearer(secret), json={"day": "2022-03-14", "kind": "off"})
            expected = (200, 201 if write else 403) if admin else (404, 403 if not write else 404)
            if (read.status_code, added.status_code) != expected:
                problems.append(f"{who} write={write}: {read.status_code}, {added.status_code} != {expected}")
            if added.status_code == 201:
                row_id = added.json["id"]
                readonly = token_for(world[username], may_write=False, name="ro")
                assert api.delete(f"/api/v1/calendar/{row_id}", headers=bearer(readonly)).status_code == 403
                for other in ("sec_a1", "com_a", "board"):
                    if api.delete(f"/api/v1/calendar/{row_id}", headers=bearer(token_for(world[other]))
                                  ).status_code != 404:
                        problems.append(f"{other} deleted an override")
                assert api.delete(f"/api/v1/calendar/{row_id}", headers=bearer(secret)).status_code == 204
    assert overrides() == 0
    assert not problems, "\n".join(problems)
