"""Transferring one candidate to another branch (they moved house or job): recorded by a
committee above both branches (or the board over them), as an act of the case's log naming both
branches; the dossier and the history travel with the case, its deadlines keep running."""
from pipeline.base.i18n import lazy_gettext as _l
from sqlalchemy import select

from pipeline.base.errors import ActBlocked
from pipeline.extensions import db
from pipeline.transaction import one_transaction
from pipeline.units.models import BRANCH_KINDS, Unit, subtree_filter
from pipeline.workflow.operations import lock_case, record_act


def transfer_case(case_id, actor, to_branch_id, effective_date, reason, expected_version=None):
    """Move the case to the branch `to_branch_id`, inside the actor's subtree. Raises the act's
    errors (CaseNotFound outside the scope, ActBlocked with the reasons)."""
    with one_transaction():
        case = lock_case(case_id, actor, expected_version)
        destination = db.session.get(Unit, to_branch_id or 0)
        if destination is None or not destination.path.startswith(actor.unit.path):
            raise ActBlocked(_l("Choose a branch of your own subtree to transfer the candidate to."))
        source = case.branch
        return record_act(case_id, "transfer_branch", actor, effective_date, {
            "from_branch_id": source.id, "to_branch_id": destination.id, "from_branch_name": source.name,
            "to_branch_name": destination.name}, reason, expected_version)


def _destinations(actor, case):
    return select(Unit).where(subtree_filter(actor.unit), Unit.kind.in_(BRANCH_KINDS), Unit.valid_to.is_(None),
                              Unit.id != case.branch_id)


def transfer_destinations(actor, case, limit=None):
    """The open branches of the actor's subtree the case may go to (not its own); None when there
    are more than `limit` (the page then searches among them instead of listing them)."""
    stmt = _destinations(actor, case).order_by(Unit.path)
    found = db.session.execute(stmt if limit is None else stmt.limit(limit + 1)).scalars().all()
    return None if limit is not None and len(found) > limit else found


def transfer_destination(actor, case, branch_id):
    """The branch `branch_id` if it is one of `transfer_destinations` (the API names one without
    listing them all), else None."""
    return db.session.execute(_destinations(actor, case).where(Unit.id == branch_id)).scalar_one_or_none()
