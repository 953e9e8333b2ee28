"""Setting a quota: by the unit above (or any unit further up), never by the unit itself.
One row per unit and year, replaced when set again, and every setting kept in order in
`quota_change` (the original plan first); admissions never touch either."""
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.dialects import postgresql, sqlite

from pipeline.extensions import db
from pipeline.quotas.models import Quota, QuotaChange
from pipeline.transaction import one_transaction

SETTER_ROLES = ("board", "committee")


def may_set_quota(user, unit):
    """A board or committee sets the quotas of the units strictly below its own; an administrator
    those of every unit in their subtree but their own, and the quota of a unit with no parent
    (the top of this deployment, whose quota comes from a level outside the system)."""
    if not unit.path.startswith(user.unit.path):
        return False
    if user.role in SETTER_ROLES:
        return unit.id != user.unit_id
    if user.role == "admin":
        return unit.id != user.unit_id or unit.parent_id is None
    return False


def settable_units(user, units):
    return [unit for unit in units if may_set_quota(user, unit)]


def set_quota(user, unit, year, minimum, maximum=None):
    """Insert or replace the quota of (unit, year) in one statement (no read-then-write race
    between two boards setting the same quota). The caller has checked `may_set_quota`."""
    maximum = minimum if maximum is None else maximum
    if not may_set_quota(user, unit):
        raise PermissionError(f"{user.username} may not set the quota of {unit.code}")
    if minimum < 0 or maximum < minimum:
        raise ValueError((minimum, maximum))
    # The setter is recorded as the unit above the quota's unit acting through the user; an
    # administrator entering the top unit's quota acts for a level outside the system (None).
    set_by = user.unit_id if user.unit_id != unit.id else unit.parent_id
    values = dict(unit_id=unit.id, year=year, minimum=minimum, maximum=maximum, set_by_unit_id=set_by)
    with one_transaction():
        previous = db.session.execute(select(Quota.minimum, Quota.maximum)
                                      .where(Quota.unit_id == unit.id, Quota.year == year).with_for_update()).first()
        db.session.add(QuotaChange(**values, set_by_user_id=user.id,
                                   previous_minimum=previous.minimum if previous else None,
                                   previous_maximum=previous.maximum if previous else None))
        insert = (postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert)(Quota)
        db.session.execute(insert.values(**values).on_conflict_do_update(
            index_elements=[Quota.unit_id, Quota.year],
            set_=dict(minimum=minimum, maximum=maximum, set_by_unit_id=set_by)))
    return db.session.execute(select(Quota).where(Quota.unit_id == unit.id, Quota.year == year)
                              .execution_options(populate_existing=True)).scalar_one()


def quota_history(units, year, limit=50):
    """The quotas set for these units and year, newest first, with who set them: one statement."""
    return db.session.execute(
        select(QuotaChange).where(QuotaChange.unit_id.in_([u.id for u in units]), QuotaChange.year == year)
        .options(joinedload(QuotaChange.unit), joinedload(QuotaChange.set_by_user))
        .order_by(QuotaChange.recorded_at.desc(), QuotaChange.id.desc()).limit(limit)).scalars().all()
