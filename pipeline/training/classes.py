"""What the training pages and the API read of classes, for one user: the classes they see with
their number of attendees, a class's attendees from the user's units, until when each
certificate is valid, and the attendees whose result the class may still record. Both ask here,
so that the API shows what the pages show."""
from dateutil.relativedelta import relativedelta
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import contains_eager

from pipeline.base import clock
from pipeline.cases.models import Case
from pipeline.cases.ordering import by_name
from pipeline.extensions import db
from pipeline.rules.rulebook import NoRulebook, rulebook_on
from pipeline.training import operations
from pipeline.training.access import visible_classes
from pipeline.training.models import Enrolment, TrainingClass
from pipeline.workflow.operations import scope_filter

POOL_LIMIT = 500  # candidates offered at once on the enrolment page (and enrolled at once by the API)


def newest_first():
    return TrainingClass.starts_on.desc(), TrainingClass.id.desc()


def classes_with_counts(user):
    """Select of (class, attendees) for the classes the user sees, newest first; the attendees
    are the whole class's, as the list page counts them."""
    counts = (select(Enrolment.class_id, func.count(Enrolment.id).label("attendees"))
              .group_by(Enrolment.class_id).subquery())
    return (visible_classes(user).add_columns(func.coalesce(counts.c.attendees, 0))
            .outerjoin(counts, counts.c.class_id == TrainingClass.id)
            .order_by(*newest_first()))


def after_class(training_class):
    """SQL condition: the classes listed after `training_class` newest first (keyset)."""
    return or_(TrainingClass.starts_on < training_class.starts_on,
               and_(TrainingClass.starts_on == training_class.starts_on, TrainingClass.id < training_class.id))


def visible_class(user, class_id):
    """The class if the user sees it, with its organiser unit; else None."""
    return db.session.execute(visible_classes(user).where(TrainingClass.id == class_id)).scalar_one_or_none()


def attendees_statement(user, training_class):
    """The class's enrolments from the user's units, with case and branch, in one query."""
    return (select(Enrolment).join(Enrolment.case).join(Case.branch)
            .where(Enrolment.class_id == training_class.id, scope_filter(user))
            .options(contains_eager(Enrolment.case).contains_eager(Case.branch))
            .order_by(*by_name()))


def scoped_attendees(user, training_class):
    return db.session.execute(attendees_statement(user, training_class)).scalars().all()


def attendee_total(training_class):
    """Everyone enrolled in the class, from every unit."""
    return db.session.execute(select(func.count(Enrolment.id))
                              .where(Enrolment.class_id == training_class.id)).scalar_one()


def validity_months():
    """How long a certificate is valid under today's rules (None without a rulebook)."""
    try:
        return rulebook_on(clock.today())["certificate_validity_months"]
    except NoRulebook:
        return None


def valid_until(attendees, months):
    """Enrolment id -> the last day its certificate is valid, for those with a certificate."""
    return {e.id: e.certificate_date + relativedelta(months=months)
            for e in attendees if e.certificate_date and months}


def result_rows(user, training_class):
    """(open rows, attendees): the user's attendees, and those whose result the class may still
    record (in training on this class, no certificate yet) by enrolment id."""
    attendees = scoped_attendees(user, training_class)
    current = operations.current_enrolment_ids([e.case_id for e in attendees])
    return {e.id: e for e in attendees
            if operations.result_is_open(e.case.stage, e if current.get(e.case_id) == e.id else None,
                                         training_class.id)}, attendees
