"""The training class inside the workflow's acts (DOMAIN.md §2, row 2).

`enrol_training` puts a case in a class and `complete_training` records its certificate. The
workflow table (pipeline.workflow.definition) names the functions below as those acts' guards,
the data they add to the log row, and the rows they write in the class's tables: `perform`
runs them in the act's own transaction, so a log row never exists without its enrolment.
Nothing here imports the workflow (the workflow imports this)."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from pipeline.extensions import db
from pipeline.training.models import RESULT_LABELS, Enrolment, TrainingClass
from pipeline.web import format_day


def latest_enrolment(case_id):
    """The case's current enrolment: the one its last enrol_training act wrote."""
    return db.session.execute(
        select(Enrolment).where(Enrolment.case_id == case_id).order_by(Enrolment.id.desc()).limit(1)
    ).scalar_one_or_none()


def _chosen_class(ctx):
    class_id = (ctx.data or {}).get("class_id")
    try:
        return db.session.get(TrainingClass, int(class_id)) if class_id else None
    except (TypeError, ValueError):
        return None


# --- enrol_training -----------------------------------------------------------------------------

def class_open_to_branch(ctx):
    """The class exists, is organised above the case's branch, has not ended, and does not
    have the candidate already."""
    if ctx.preview:
        return []
    training_class = _chosen_class(ctx)
    if training_class is None:
        return [_l("no training class chosen")]
    if not training_class.is_open_to(ctx.case.branch):
        return [_l("the class %(name)s is not open to this branch", name=training_class.name)]
    reasons = []
    if ctx.on_date > training_class.ends_on:
        reasons.append(_l("the class %(name)s ended on %(day)s", name=training_class.name,
                          day=format_day(training_class.ends_on)))
    already = db.session.execute(
        select(Enrolment.id).where(Enrolment.class_id == training_class.id,
                                   Enrolment.case_id == ctx.case.id)
    ).first()
    if already:
        reasons.append(_l("already enrolled in the class %(name)s", name=training_class.name))
    return reasons


def enrolment_details(ctx):
    """The log row keeps the class's name and organiser beside its id."""
    training_class = _chosen_class(ctx)
    return {"class_id": training_class.id, "class_name": training_class.name,
            "organiser": training_class.organiser_name}


def write_enrolment(case, row, ctx):
    db.session.add(Enrolment(class_id=int(ctx.data["class_id"]), case_id=case.id,
                             enrolled_on=row.effective_date))


# --- complete_training --------------------------------------------------------------------------

def passing_result(ctx):
    """A certificate needs an enrolment with a passing result, dated once the class is over,
    with a number not given to anyone else in the class."""
    enrolment = latest_enrolment(ctx.case.id)
    if enrolment is None:
        return [_l("not enrolled in a training class")]
    training_class = enrolment.training_class
    if enrolment.result is None:
        return [_l("no passing result recorded in the class %(name)s", name=training_class.name)]
    if enrolment.result != "passed":
        return [_l("no passing result recorded in the class %(name)s (recorded: %(result)s)",
                   name=training_class.name, result=RESULT_LABELS[enrolment.result])]
    reasons = []
    if ctx.on_date < training_class.ends_on:
        reasons.append(_l("the certificate is dated %(day)s, before the class ended on %(end)s",
                          day=format_day(ctx.on_date), end=format_day(training_class.ends_on)))
    number = (ctx.data or {}).get("certificate_number")
    if number:
        taken = db.session.execute(
            select(Enrolment.id).where(Enrolment.class_id == training_class.id,
                                       Enrolment.certificate_number == number, Enrolment.id != enrolment.id)
        ).first()
        if taken:
            reasons.append(_l("certificate number %(number)s was already issued in the class %(name)s",
                              number=number, name=training_class.name))
    return reasons


def certificate_details(ctx):
    enrolment = latest_enrolment(ctx.case.id)
    return {"class_id": enrolment.class_id, "class_name": enrolment.training_class.name}


def write_certificate(case, row, ctx):
    enrolment = latest_enrolment(case.id)
    enrolment.certificate_number = ctx.data["certificate_number"]
    enrolment.certificate_date = row.effective_date
