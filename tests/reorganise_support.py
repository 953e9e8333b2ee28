"""What the tests of reorganising the tree (tests/test_reorganise*.py, tests/test_api_units.py)
count and check: the rows a reorganisation writes, read afresh, and every chain replayed."""
import sqlalchemy as sa

from pipeline.accounts.models import User
from pipeline.audit.replayed import account_differences, case_differences, unit_differences
from pipeline.extensions import db
from pipeline.units.models import Unit, UnitChange, UnitSuccession, UnitVersion
from pipeline.workflow.models import LogEntry

COUNTED = (Unit, UnitChange, UnitVersion, UnitSuccession, LogEntry, User)


def counts():
    """How many rows of each table a reorganisation writes (COUNTED)."""
    found = [db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in COUNTED]
    db.session.rollback()
    return found


def fresh(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


def assert_all_as_logged():
    """Every case, unit and account is what its chained log replays to."""
    assert case_differences()[1] == []
    assert unit_differences()[1] == []
    assert account_differences()[1] == []
