"""Making tokens for the API's tests without the page, and calling the API with one."""
from datetime import timedelta

from pipeline.api import tokens
from pipeline.base import clock


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

