"""A unit's quota set through the API as the quota page sets it: by the roles the page lets set
it, for the units below them, each change kept with the one it replaced, and refused with the
field named when its numbers are wrong."""
import sqlalchemy as sa

from api_support import ROLES, WHERE, api_places, bearer, snapshot, token_for
from pipeline.extensions import db
from pipeline.quotas.models import QuotaChange


def test_a_board_sets_a_communes_quota_and_the_quotas_show_it(app, world):
    api, secret = app.test_client(), token_for(world["board"])
    url = f"/api/v1/units/{world.commune_a.id}/quotas/2021"
    first = api.put(url, headers=bearer(secret), json={"minimum": 6, "maximum": 8})
    assert first.status_code == 200, first.json
    assert first.json == {"unit_id": world.commune_a.id, "year": 2021, "minimum": 6, "maximum": 8, "label": "6–8"}
    again = api.put(url, headers=bearer(secret), json={"minimum": 7})
    assert again.json["label"] == "7"
    quotas = api.get("/api/v1/quotas", headers=bearer(secret), query_string={"year": 2021}).json
    line = next(line for line in quotas["children"] if line["unit_id"] == world.commune_a.id)
    assert line["target"] == {"minimum": 7, "maximum": 7}
    changes = db.session.execute(sa.select(QuotaChange).where(QuotaChange.unit_id == world.commune_a.id)
                                 .order_by(QuotaChange.id)).scalars().all()
    assert [(c.previous_minimum, c.previous_maximum, c.minimum, c.maximum) for c in changes] == [
        (None, None, 6, 8), (6, 8, 7, 7)]
    wrong = api.put(url, headers=bearer(secret, **{"Accept-Language": "en"}), json={"minimum": 8, "maximum": 6})
    assert wrong.status_code == 422 and wrong.json["message"] == "The quota was not set: correct the fields named."
    assert "cannot be below the lower end" in wrong.json["errors"]["json"]["maximum"][0]
    # A committee sets its branches' quotas, not its own.
    committee = token_for(world["com_a"])
    assert api.put(url, headers=bearer(committee), json={"minimum": 1}).status_code == 403
    assert api.put(f"/api/v1/units/{world.branch_a1.id}/quotas/2021", headers=bearer(committee),
                   json={"minimum": 2}).status_code == 200
    assert api.put(url, headers=bearer(secret), json={"minimum": -1}).status_code == 422
    assert api.put(f"/api/v1/units/{world.commune_a.id}/quotas/1999", headers=bearer(secret),
                   json={"minimum": 1}).status_code == 422


def test_every_role_and_token_against_the_quotas(app, world):
    """A body every role that may set the quota gets refused (a range upside down): 422 for
    them, 403 for a read-only token or a role that sets no quota, 404 outside the scope, and
    nothing written."""
    places = api_places(world)
    api = app.test_client()
    before, problems = snapshot(), []
    for who, username in ROLES.items():
        for write in (False, True):
            secret = token_for(world[username], may_write=write, name=f"{who}-{write}")
            for place, ids in places.items():
                answer = api.put(f"/api/v1/units/{ids['unit']}/quotas/2021", headers=bearer(secret),
                                 json={"minimum": 5, "maximum": 3})
                expected = (403 if not write else 404 if who not in WHERE[place]
                            else 403 if who == "sec" else 422)
                if answer.status_code != expected:
                    problems.append(f"{who} {place} write={write}: {answer.status_code} != {expected}")
    assert snapshot() == before
    assert not problems, "\n".join(problems)
