"""Making tokens for the API's tests without the page, and calling the API with one."""
from datetime import date, timedelta

import sqlalchemy as sa

from pipeline.api import tokens
from pipeline.base import clock
from pipeline.extensions import db


def token_for(user, may_write=True, name="Test program", days=30):
    """The clear token of a new token of `user`."""
    _row, secret = tokens.create_token(user, name, clock.today() + timedelta(days=days), may_write)
    return secret


def bearer(secret, **headers):
    return {"Authorization": f"Bearer {secret}", **headers}


def body_of(act_name, version, **overrides):
    """A valid body for the act, as the tests' FORWARD_ACTS record it."""
    from conftest import ACTS_WITHIN, FORWARD_ACTS
    acts = {name: (day, data) for name, _who, day, data in FORWARD_ACTS.values()}
    acts |= {name: (day, data) for steps in ACTS_WITHIN.values() for name, _who, day, data in steps}
    day, data = acts[act_name]
    return {"version": version, "effective_date": day.isoformat(), **data, **overrides}



ROLES = {"sec": "sec_a1", "com": "com_a", "board": "board", "admin": "admin"}
# Who sees each place of `api_places`: a1 is the secretary's branch, b1 the other commune's.
WHERE = {"a1": ("sec", "com", "board", "admin"), "b1": ("board", "admin"), "other": ()}
PUBLIC = ("api-docs.openapi_json", "api_docs.docs")
# Rows no call of an access matrix may add, change or remove (the read log and the tokens' last
# use are what a call records).
TABLES = ("case_event", "candidate", "dossier_item", "case_deadline", "case_note", "enrolment", "unit",
          "user_account", "quota", "training_class")


def is_api_endpoint(endpoint):
    """An endpoint of the JSON API (its matrix: tests/test_api_access.py), not a page."""
    return endpoint.startswith("api_") and endpoint not in PUBLIC


def snapshot():
    return {table: db.session.execute(sa.text(f"SELECT count(*), max(id) FROM {table}")).one() for table in TABLES}


def api_places(world):
    """A case in branch a1 (every role of the world sees it), one in b1 (the board's and the
    administrator's only) and one in another town (no one's): {place: {"case": id, "unit": id}}."""
    from pipeline.transaction import one_transaction
    from pipeline.units.models import add_unit
    from pipeline.workflow import operations
    with one_transaction():
        other_town = add_unit("other_town", "Đảng bộ huyện Xa Lạ", "town", decides_admissions=True)
        other_branch = add_unit("other_branch", "Chi bộ thôn Xa Lạ", "village", parent=other_town)
    found = {}
    for name, branch in (("a1", world.branch_a1), ("b1", world.branch_b1), ("other", other_branch)):
        fields = dict(full_name=f"Người {name}", date_of_birth=date(1995, 3, 15), sex="male", ethnicity="Kinh",
                      education="upper_secondary", occupation="", residence="", youth_union_member=False,
                      source_organisation="youth_union", helper_member="")
        with one_transaction():
            case = operations.open_case(world["com_a"] if name == "a1" else None, branch, date(2021, 6, 1),
                                        fields).case
        found[name] = {"case": case.id, "unit": branch.id}
    return found
