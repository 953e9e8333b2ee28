"""Who organises training classes and who sees them.

A class is run by the political centre of the deciding level (DOMAIN.md §2, row 2), so it is
organised by a unit that decides admissions. Board users and the committees of deciding units
create and manage classes; every unit below the organiser sends candidates to it."""
from dataclasses import dataclass

from pipeline.base.i18n import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager, joinedload

from pipeline.accounts.models import ROLES
from pipeline.extensions import db
from pipeline.training.models import TrainingClass
from pipeline.units.models import Unit, subtree_filter
from pipeline.workflow.definition import ACT_BY_NAME, DECIDING

# Who opens a class and records its results: the roles that decide admissions, a committee only
# where its own unit decides them (as role_may reads DECIDING). The pages say who from these sets.
ORGANISER_ROLES = DECIDING
ENROL = ACT_BY_NAME["enrol_training"]
RESULT_ACTS = (ACT_BY_NAME["record_training_result"], ACT_BY_NAME["complete_training"])


def ancestor_ids(unit):
    """The ids of the unit and of every unit above it, from its materialised path."""
    return [int(part) for part in unit.path.strip("/").split("/")]


def may_manage_classes(user):
    """Create classes, enrol candidates in bulk from any branch below, record results and certificates."""
    return user.role in ORGANISER_ROLES and (user.role != "committee" or user.unit.decides_admissions)


def may_manage_class(user, training_class):
    return may_manage_classes(user) and training_class.organiser_unit.path.startswith(user.unit.path)


def may_enrol(user):
    """Enrol candidates in a class (the act enrol_training): the branch and the organiser."""
    return user.role in ENROL.roles


def organiser_units_for(user):
    """The units a user may organise a class for: the deciding units of their subtree."""
    if not may_manage_classes(user):
        return []
    return db.session.execute(
        select(Unit).where(subtree_filter(user.unit), Unit.decides_admissions.is_(True))
        .order_by(Unit.depth, Unit.name)
    ).scalars().all()


def visible_to(user):
    """SQL condition on the organiser Unit: the classes open to the user's unit (organised above
    it or by it) and those organised inside the user's subtree."""
    return or_(Unit.id.in_(ancestor_ids(user.unit)), subtree_filter(user.unit))


def visible_classes(user):
    """Select of the classes a user sees, with the organiser unit loaded by the same query."""
    return (select(TrainingClass).join(TrainingClass.organiser_unit).where(visible_to(user))
            .options(contains_eager(TrainingClass.organiser_unit)))


def classes_open_to(branch):
    """The classes organised for a branch (by a unit above it), the soonest first. Those still
    open on a day are `open_for_enrolment` on it; an ended one takes only an enrolment dated
    on or before its last day (the guard class_open_to_branch judges)."""
    return db.session.execute(
        select(TrainingClass).where(TrainingClass.organiser_unit_id.in_(ancestor_ids(branch)))
        .options(joinedload(TrainingClass.organiser_unit))
        .order_by(TrainingClass.ends_on, TrainingClass.starts_on, TrainingClass.id)
    ).scalars().all()


def organisers_above(unit):
    """The units whose classes the unit's branches attend: the deciding units above it or itself."""
    return db.session.execute(
        select(Unit).where(Unit.id.in_(ancestor_ids(unit)), Unit.decides_admissions.is_(True))
        .order_by(Unit.depth)
    ).scalars().all()


# --- who does what, in words (the pages derive it from the role sets above) ---------------------

def _labels(roles, organiser=False):
    """The names of `roles` in ROLES's order; among the organisers a committee is named with the
    condition may_manage_classes puts on it."""
    return [_l("%(role)s of a unit that decides admissions", role=ROLES[role])
            if organiser and role == "committee" else ROLES[role] for role in ROLES if role in roles]


@dataclass(frozen=True)
class WhoDoesWhat:
    opens: str  # the roles, in words
    records: str
    enrols: str


def who_does_what():
    """Who opens a class, who records its results and certificates, who enrols candidates."""
    recorders = ORGANISER_ROLES.intersection(*(act.roles for act in RESULT_ACTS))
    return WhoDoesWhat(opens=either(_labels(ORGANISER_ROLES, organiser=True)),
                       records=either(_labels(recorders, organiser=True)), enrols=either(_labels(ENROL.roles)))


def either(labels):
    """"a, b or c" (labels are ours: role names)."""
    if len(labels) < 2:
        return labels[0] if labels else ""
    return _l("%(some)s or %(last)s", some=", ".join(map(str, labels[:-1])), last=labels[-1])
