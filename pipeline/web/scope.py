"""What the logged-in user may see: every page that shows a case or a branch asks here, so that
"not there" and "not yours" look the same (404) everywhere."""
from flask import abort
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.units.models import BRANCH_KINDS, Unit, subtree_filter, subtree_prefix
from pipeline.workflow.operations import case_statement, read_locked


def current_actor():
    """The user object itself (not the proxy), for operations and comparisons."""
    return current_user._get_current_object()


def scoped_cases():
    """Cases whose branch is inside the user's subtree, with the branch loaded by the same query."""
    return (select(Case).join(Case.branch).where(subtree_filter(current_actor().unit))
            .options(contains_eager(Case.branch)))


def case_or_404(case_id, with_state=False, for_update=False):
    """The case inside the user's scope, with its branch; `with_state`: with its snapshot and the
    unit above its branch too, what its checklist reads (pipeline.workflow.operations.current_state),
    in the same statement. `for_update`: row-locked for the act the request is about to record,
    which then does not read it again (pipeline.workflow.operations.lock_case)."""
    prefix = subtree_prefix(current_actor().unit)
    if for_update:
        case = read_locked(case_id, prefix)
    else:
        case = db.session.execute(case_statement(with_state), {"case_id": case_id, "root_prefix": prefix}
                                  ).scalar_one_or_none()
    if case is None:
        abort(404)
    return case


def unit_or_404(unit_id):
    """A unit of the user's subtree (their own included), by its id."""
    unit = db.session.execute(select(Unit).where(Unit.id == unit_id, subtree_filter(current_actor().unit))
                              ).scalar_one_or_none()
    if unit is None:
        abort(404)
    return unit


def branch_or_404(unit_id):
    """A branch inside the user's subtree (for a secretary, their own)."""
    unit = db.session.execute(
        select(Unit).where(Unit.id == unit_id, Unit.kind.in_(BRANCH_KINDS), subtree_filter(current_actor().unit))
    ).scalar_one_or_none()
    if unit is None:
        abort(404)
    return unit
