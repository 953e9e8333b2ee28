"""Training classes: creating one, enrolling a selection of candidates, recording a class's
results and certificates. Every act on a case goes through the workflow's act path (`perform`,
then `project`), so the guards, the log entry and the enrolment row are written together. A bulk
submission is all-or-nothing: each row is judged, and if any is refused nothing is written and
`BulkRefused` carries one line per refused row."""
from dataclasses import dataclass
from datetime import date

from pipeline.base.i18n import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from pipeline.base import clock
from pipeline.base.errors import ActBlocked, NotPermitted
from pipeline.base.ids import storable
from pipeline.cases.models import Case
from pipeline.cases.ordering import by_name
from pipeline.extensions import db
from pipeline.training.access import may_manage_class, organiser_units_for
from pipeline.training.models import RESULTS, Enrolment, TrainingClass
from pipeline.transaction import one_transaction
from pipeline.workdays.calendar import WorkingCalendar
from pipeline.workflow.bulk import (BulkRefused, Refusal, all_or_nothing, apply_to_many, hold_all, lock_cases,  # noqa: F401
                                     refusal)
from pipeline.workflow.definition import ACT_BY_NAME
from pipeline.workflow.operations import perform, project, role_may
from pipeline.workflow.stages import stage_label

COMPLETE = ACT_BY_NAME["complete_training"]
RESULT = ACT_BY_NAME["record_training_result"]


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
    """A new class organised by one of the deciding units the actor manages."""
    if organiser_unit.id not in {u.id for u in organiser_units_for(actor)}:
        raise NotPermitted(_l("Your role cannot organise a class for this unit."))
    if ends_on < starts_on:
        raise ActBlocked(_l("The last day cannot be before the first day."))
    with one_transaction():
        training_class = TrainingClass(name=name, organiser_unit=organiser_unit, organiser_name=organiser_name,
                                       place=place, starts_on=starts_on, ends_on=ends_on)
        db.session.add(training_class)
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


def latest_enrolment(case_id):
    """The case's current enrolment row: the one its last enrolment act wrote."""
    return db.session.execute(
        select(Enrolment).where(Enrolment.case_id == case_id).order_by(Enrolment.id.desc()).limit(1)
    ).scalar_one_or_none()


def current_enrolment_ids(case_ids):
    """For each case, the id of its latest enrolment (the one its stage refers to)."""
    if not case_ids:
        return {}
    return dict(db.session.execute(
        select(Enrolment.case_id, func.max(Enrolment.id))
        .where(Enrolment.case_id.in_(list(case_ids))).group_by(Enrolment.case_id)
    ).all())


def result_is_open(stage, current, class_id):
    """Whether a class may still record an attendee's result: the case is in training on its
    enrolment in this class (`current`, its latest) and has no certificate yet."""
    return (stage == "training" and current is not None and current.class_id == class_id
            and current.certificate_number is None)


def passed_in_class(state):
    """What a certificate states with it: the attendee passed (assumed while its act is judged)."""
    state.current_enrolment.result = "passed"


def record_results(actor, training_class, entries, results_on, today=None):
    """Record results and issue certificates for a class; all or nothing. `results_on` dates the
    results that keep the stage (failed, absent, passed awaiting the certificate); a certificate
    is dated by its own date. Rows whose result did not change are skipped."""
    if not may_manage_class(actor, training_class):
        raise NotPermitted(_l("Your role cannot record this class's results."))
    today = today or clock.today()

    def work():
        refusals, rows, held = [], [], {}
        wanted = [e for e in entries if e.result]
        # An id no row can have is no attendee (refused below), and never reaches the database.
        enrolments = {e.id: e for e in db.session.execute(
            select(Enrolment).where(Enrolment.class_id == training_class.id,
                                    Enrolment.id.in_([e.enrolment_id for e in wanted
                                                      if storable(e.enrolment_id)]))).scalars()}
        cases = lock_cases([e.case_id for e in enrolments.values()], actor)
        holds = hold_all(cases)
        calendar = WorkingCalendar.load()
        for entry in wanted:
            enrolment = enrolments.get(entry.enrolment_id)
            case = cases.get(enrolment.case_id) if enrolment else None
            if case is None:
                refusals.append(refusal(None, [_l("Not an attendee of this class in your units.")]))
                continue
            if entry.result not in RESULTS:
                refusals.append(refusal(case, [_l("Not a valid choice.")]))
                continue
            locked = held.get(case.id) or holds[case.id]
            held[case.id] = locked
            current = locked.state.current_enrolment
            if not result_is_open(locked.state.stage, current, training_class.id):
                refusals.append(refusal(case, [_l("The result can no longer be changed: the case is at the stage "
                                                   "“%(stage)s”.", stage=stage_label(case.stage))]))
                continue
            if entry.issues_certificate:
                if not role_may(actor, COMPLETE, case):
                    refusals.append(refusal(case, [_l("Your role cannot record this act.")]))
                    continue
                act, day, data, assume = COMPLETE, entry.certificate_date, \
                    {"certificate_number": entry.certificate_number}, passed_in_class
            elif entry.result == current.result:
                continue
            else:
                act, day, data, assume = RESULT, results_on, \
                    {"class_id": training_class.id, "class_name": training_class.name, "result": entry.result}, None
            try:
                rows.append(perform(locked, act, actor, day, data, today=today, assume=assume))
            except ActBlocked as blocked:
                refusals.append(refusal(case, blocked.reasons))
            else:
                # At once: the next rows' guards read the certificates issued so far in the class.
                project(locked.case, locked.state, calendar)
        return refusals, rows

    return all_or_nothing(work)
