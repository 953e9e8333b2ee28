"""What the logged-in user may see: every page that shows a case or a branch asks here, so that
"not there" and "not yours" look the same (404) everywhere."""
from functools import cache

from flask import abort
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import aliased, contains_eager

from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.units.models import BRANCH_KINDS, Unit, subtree_filter, subtree_of_parameter, subtree_prefix
from pipeline.workflow.models import CaseSnapshot


def current_actor():
    """The user object itself (not the proxy), for operations and comparisons."""
    return current_user._get_current_object()


def scoped_cases():
    """Cases whose branch is inside the user's subtree, with the branch loaded by the same query."""
    return (select(Case).join(Case.branch).where(subtree_filter(current_actor().unit))
            .options(contains_eager(Case.branch)))


@cache
def _case_statement(with_state):
    """case_or_404's statement, built once (the case and the scope's root as named parameters):
    an alias built anew for each request costs more CPU than running the statement."""
    statement = (select(Case).join(Case.branch)
                 .where(subtree_of_parameter("root_prefix"), Case.id == bindparam("case_id"))
                 .options(contains_eager(Case.branch)))
    if with_state:
        parent = aliased(Unit)
        statement = (statement.outerjoin(parent, Unit.parent_id == parent.id)
                     .outerjoin(CaseSnapshot, CaseSnapshot.case_id == Case.id)
                     .options(contains_eager(Case.branch).contains_eager(Unit.parent.of_type(parent)),
                              contains_eager(Case.snapshot)))
    return statement


def case_or_404(case_id, with_state=False):
    """The case inside the user's scope, with its branch; `with_state`: with its snapshot and the
    unit above its branch too, what its checklist reads (pipeline.workflow.operations.current_state),
    in the same statement."""
    case = db.session.execute(_case_statement(with_state), {
        "case_id": case_id, "root_prefix": subtree_prefix(current_actor().unit)}).scalar_one_or_none()
    if case is None:
        abort(404)
    return case


def branch_or_404(unit_id):
    """A branch inside the user's subtree (for a secretary, their own)."""
    unit = db.session.execute(
        select(Unit).where(Unit.id == unit_id, Unit.kind.in_(BRANCH_KINDS), subtree_filter(current_actor().unit))
    ).scalar_one_or_none()
    if unit is None:
        abort(404)
    return unit
