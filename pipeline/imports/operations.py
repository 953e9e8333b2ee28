"""Who may import into which branch, and the writing itself: one transaction for the file."""
from pipeline.base.i18n import lazy_gettext as _l
from sqlalchemy import select

from pipeline.base import clock
from pipeline.accounts.models import User
from pipeline.extensions import db
from pipeline.units.models import Unit
from pipeline.base.errors import ActError
from pipeline.transaction import one_transaction
from pipeline.workdays.calendar import WorkingCalendar
from pipeline.workflow import definition
from pipeline.workflow.operations import open_case


class ImportRefused(Exception):
    """The import cannot start; the message is for the user."""


def actor_and_branch(username, unit_code):
    """The acting user and the branch, if that user may open cases there: the rule of the
    "New candidate" page (a secretary in her own branch, a committee in a branch below it)."""
    actor = db.session.execute(select(User).filter_by(username=username)).scalar_one_or_none()
    if actor is None or not actor.is_active:
        raise ImportRefused(_l("No active user %(username)s.", username=username))
    branch = db.session.execute(select(Unit).filter_by(code=unit_code)).scalar_one_or_none()
    if branch is None:
        raise ImportRefused(_l("No unit with code %(code)s.", code=unit_code))
    today = clock.today()
    if not branch.is_branch or (branch.valid_to is not None and branch.valid_to < today):
        raise ImportRefused(_l("%(unit)s is not a branch that exists today.", unit=branch.name))
    if actor.role == "secretary":
        allowed = actor.unit_id == branch.id
    else:
        allowed = actor.role in definition.BRANCH and branch.path.startswith(actor.unit.path)
    if not allowed:
        raise ImportRefused(_l("%(user)s may not open cases in %(unit)s.", user=actor.username, unit=branch.name))
    return actor, branch


def open_cases(actor, branch, good_rows, progress=None):
    """Open a case for every row (rows already judged), all in one transaction: a refusal from
    the workflow (an ActError, given the row it came from) rolls every row back."""
    with one_transaction():
        calendar = WorkingCalendar.load()
        for row in good_rows:
            try:
                open_case(actor, branch, row.effective_date, row.particulars, calendar=calendar)
            except ActError as blocked:
                blocked.row = row.row
                raise
            if progress:
                progress(row)
    return len(good_rows)
