"""Who organises training classes and who sees them.

A class is run by the political centre of the deciding level (DOMAIN.md §2, row 2), so it is
organised by a unit that decides admissions. Board users and the committees of deciding units
create and manage classes; every unit below the organiser sends candidates to it."""
from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager, joinedload

from pipeline.extensions import db
from pipeline.training.models import TrainingClass
from pipeline.units.models import Unit, subtree_filter


def ancestor_ids(unit):
    """The ids of the unit and of every unit above it, from its materialised path."""
    return [int(part) for part in unit.path.strip("/").split("/")]


def may_manage_classes(user):
    """Create classes, enrol candidates in bulk from any branch below, record results and certificates."""
    return user.role == "board" or (user.role == "committee" and user.unit.decides_admissions)


def may_manage_class(user, training_class):
    return may_manage_classes(user) and training_class.organiser_unit.path.startswith(user.unit.path)


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
    """The classes a branch may send a candidate to, the latest first."""
    return db.session.execute(
        select(TrainingClass).where(TrainingClass.organiser_unit_id.in_(ancestor_ids(branch)))
        .options(joinedload(TrainingClass.organiser_unit))
        .order_by(TrainingClass.starts_on.desc(), TrainingClass.id.desc())
    ).scalars().all()
