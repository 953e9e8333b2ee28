"""Training classes: creating one, enrolling a selection of candidates, recording a class's
results and certificates. Every act on a case goes through `workflow.operations.perform` (or
`record_fact` for a result that keeps the stage), so the guards, the log row and the enrolment
row are written together. A bulk submission is all-or-nothing: each row is judged, and if any
is refused nothing is written and `BulkRefused` carries one line per refused row."""
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from pipeline.base import clock
from pipeline.cases.models import Case
from pipeline.cases.ordering import by_name
from pipeline.extensions import db
from pipeline.base.ids import storable
from pipeline.training.access import may_manage_class, organiser_units_for
from pipeline.training.acts import latest_enrolment
from pipeline.training.models import RESULTS, Enrolment, TrainingClass
from pipeline.workflow import definition
from pipeline.workflow.bulk import (BulkRefused, Refusal, all_or_nothing, apply_to_many, events_by_case,  # noqa: F401
                                    lock_cases, refusal)
from pipeline.workflow.operations import (ActBlocked, NotPermitted, perform, record_fact, role_may)
from pipeline.workflow.stages import stage_label
from pipeline.web import format_day

RESULT_FACT = "record_training_result"


@dataclass
class ResultEntry:
    """What the results form says about one attendee. A passing result with a certificate
    number and date issues the certificate (the case moves on to its dossier); any other
    result is recorded and the case stays in training."""
    enrolment_id: int
    result: str | None
    certificate_number: str | None = None
    certificate_date: date | None = None

    @property
    def issues_certificate(self):
        return self.result == "passed" and bool(self.certificate_number)


# --- the class itself ---------------------------------------------------------------------------

def create_class(actor, organiser_unit, name, starts_on, ends_on, organiser_name="", place=""):
    """A new class organised by one of the deciding units the actor manages. Commits."""
    if organiser_unit.id not in {u.id for u in organiser_units_for(actor)}:
        raise NotPermitted(_l("Your role cannot organise a class for this unit."))
    if ends_on < starts_on:
        raise ActBlocked(_l("The last day cannot be before the first day."))
    training_class = TrainingClass(name=name, organiser_unit=organiser_unit, organiser_name=organiser_name,
                                   place=place, starts_on=starts_on, ends_on=ends_on)
    db.session.add(training_class)
    db.session.commit()
    return training_class


# --- enrolment ----------------------------------------------------------------------------------

def enrol_cases(actor, training_class, case_ids, enrolled_on, today=None):
    """Enrol each selected case (the workflow act enrol_training); all or nothing. Returns the
    log rows; raises BulkRefused with the refused rows."""
    return apply_to_many(actor, "enrol_training", case_ids, enrolled_on, {"class_id": training_class.id},
                         today=today)


# --- results and certificates -------------------------------------------------------------------

def attendees(training_class):
    """The class's enrolments with their case and branch, one query, by name."""
    return db.session.execute(
        select(Enrolment).join(Enrolment.case).join(Case.branch)
        .where(Enrolment.class_id == training_class.id)
        .options(contains_eager(Enrolment.case).contains_eager(Case.branch))
        .order_by(*by_name())
    ).scalars().all()


def current_enrolment_ids(case_ids):
    """For each case, the id of its latest enrolment (the one its stage refers to)."""
    if not case_ids:
        return {}
    return dict(db.session.execute(
        select(Enrolment.case_id, func.max(Enrolment.id))
        .where(Enrolment.case_id.in_(list(case_ids))).group_by(Enrolment.case_id)
    ).all())


def result_is_open(enrolment, case, current_ids):
    """Whether the class may still record this attendee's result: the case is in training on
    this enrolment and has no certificate yet."""
    return (case.stage == "training" and current_ids.get(case.id) == enrolment.id
            and enrolment.certificate_number is None)


def record_results(actor, training_class, entries, results_on, today=None):
    """Record results and issue certificates for a class; all or nothing. `results_on` dates the
    results that keep the stage (failed, absent, passed awaiting the certificate); a certificate
    is dated by its own date. Rows whose result did not change are skipped."""
    if not may_manage_class(actor, training_class):
        raise NotPermitted(_l("Your role cannot record this class's results."))
    today = today or clock.today()
    complete = definition.TRANSITION_BY_TRIGGER["complete_training"]
    fact = definition.FACT_BY_EVENT[RESULT_FACT]

    def work():
        refusals, rows = [], []
        wanted = [e for e in entries if e.result]
        # An id no row can have is no attendee (refused below), and never reaches the database.
        enrolments = {e.id: e for e in db.session.execute(
            select(Enrolment).where(Enrolment.class_id == training_class.id,
                                    Enrolment.id.in_([e.enrolment_id for e in wanted
                                                      if storable(e.enrolment_id)]))).scalars()}
        cases = lock_cases([e.case_id for e in enrolments.values()], actor)
        events = events_by_case(cases)
        current_ids = current_enrolment_ids(cases)
        for entry in wanted:
            enrolment = enrolments.get(entry.enrolment_id)
            case = cases.get(enrolment.case_id) if enrolment else None
            if case is None:
                refusals.append(refusal(None, [_l("Not an attendee of this class in your units.")]))
                continue
            if entry.result not in RESULTS:
                refusals.append(refusal(case, [_l("Not a valid choice.")]))
                continue
            if not result_is_open(enrolment, case, current_ids):
                refusals.append(refusal(case, [_l("The result can no longer be changed: the case is at the stage "
                                                   "“%(stage)s”.", stage=stage_label(case.stage))]))
                continue
            if entry.issues_certificate:
                if not role_may(actor, complete, case):
                    refusals.append(refusal(case, [_l("Your role cannot record this act.")]))
                    continue
                enrolment.result = "passed"
                try:
                    rows.append(perform(case, complete, actor, entry.certificate_date,
                                        {"certificate_number": entry.certificate_number},
                                        events=events[case.id], today=today))
                except ActBlocked as blocked:
                    refusals.append(refusal(case, blocked.reasons))
                continue
            if entry.result == enrolment.result:
                continue
            reasons = _result_date_problems(results_on, training_class, enrolment, events[case.id], today)
            if reasons:
                refusals.append(refusal(case, reasons))
                continue
            enrolment.result = entry.result
            rows.append(record_fact(case, fact, actor, results_on,
                                    {"class_id": training_class.id, "class_name": training_class.name,
                                     "result": entry.result}, events=events[case.id], today=today))
        return refusals, rows

    return all_or_nothing(work)


def _result_date_problems(day, training_class, enrolment, events, today):
    if day > today:
        return [_l("The date %(day)s is in the future.", day=format_day(day))]
    if day < training_class.starts_on:
        return [_l("the results are dated %(day)s, before the class started on %(start)s",
                   day=format_day(day), start=format_day(training_class.starts_on))]
    last = events[-1].effective_date if events else None
    if last and day < last:
        return [_l("The date %(day)s is before the previous act of this case (%(last)s).",
                   day=format_day(day), last=format_day(last))]
    return []


def mark_passed(case_id):
    """The passing result a certificate implies, for callers that record the certificate
    through `perform` themselves (the demo). Does not commit."""
    enrolment = latest_enrolment(case_id)
    enrolment.result = "passed"
    return enrolment
