"""The admission process, as one table (DOMAIN.md §2): what can happen in each stage, who may do
it, what it records and what must hold first. The `transitions` Machine is built from this table
once, at import; pages, buttons and the state diagram read the same table."""
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from transitions import Machine

from pipeline.training import acts as training
from pipeline.workflow import forms, guards
from pipeline.workflow.stages import STAGE_NAMES

# Who may record an act. A board records the decisions of the standing committee it serves;
# a grassroots committee may too when its own unit has been given the power to decide.
BRANCH = frozenset({"secretary", "committee"})
COMMITTEE = frozenset({"committee"})
DECIDING = frozenset({"board", "committee"})
# The training class: the branch, or the class's organiser (the board, a deciding committee).
TRAINING = BRANCH | DECIDING

PRE_CEREMONY = ("spotted", "training", "dossier", "branch_vote", "committee_review", "decision", "ceremony")


@dataclass(frozen=True)
class Transition:
    trigger: str
    sources: tuple
    dest: str
    label: object
    roles: frozenset
    form: type
    guards: tuple = ()
    # For a vote: the check that decides between `dest` and `fail_dest`.
    outcome: object = None
    fail_dest: str | None = None
    needs_deciding_unit: bool = False
    confirm: bool = False  # irreversible: the page asks before submitting
    # Data the act adds to its log row, computed from the case (e.g. the date membership counts from).
    derived: object = None
    # Rows the act writes in its feature's own tables (a class enrolment), in the act's
    # transaction: records(case, log_row, ctx).
    records: object = None
    style: str = "primary"
    extra: dict = field(default_factory=dict)

    @property
    def destinations(self):
        return (self.dest,) + ((self.fail_dest,) if self.fail_dest else ())

    @property
    def needs_reason(self):
        """Acts recorded with a reason (the exits and the return to nurturing): never without one."""
        return issubclass(self.form, forms.ReasonForm)


ALWAYS = (guards.rulebook_exists, guards.act_date_in_order)

TRANSITIONS = (
    Transition("enrol_training", ("spotted",), "training", _l("Send to the training class"),
               TRAINING, forms.EnrolTrainingForm, guards=(training.class_open_to_branch,),
               derived=training.enrolment_details, records=training.write_enrolment),
    Transition("resume_dossier", ("spotted",), "dossier", _l("Reopen the dossier (certificate still valid)"),
               BRANCH, forms.ResumeDossierForm, guards=(guards.training_certificate_valid,)),
    Transition("complete_training", ("training",), "dossier", _l("Record the training certificate"),
               TRAINING, forms.CompleteTrainingForm, guards=(training.passing_result,),
               derived=training.certificate_details, records=training.write_certificate),
    Transition("complete_dossier", ("dossier",), "branch_vote", _l("Dossier complete"),
               BRANCH, forms.CompleteDossierForm,
               guards=(guards.education_sufficient, guards.training_certificate_valid,
                       guards.dossier_documents_complete)),
    Transition("record_branch_vote", ("branch_vote",), "committee_review", _l("Record the branch vote"),
               BRANCH, forms.BranchVoteForm,
               guards=(guards.age_within_limits, guards.education_sufficient,
                       guards.training_certificate_valid, guards.dossier_documents_complete,
                       guards.dossier_not_stale),
               outcome=guards.branch_vote_passes, fail_dest="spotted"),
    Transition("record_committee_review", ("committee_review",), "decision",
               _l("Record the grassroots committee review"), COMMITTEE, forms.CommitteeReviewForm,
               guards=(guards.subcommittee_appraisal_received,),
               outcome=guards.committee_vote_passes, fail_dest="rejected"),
    Transition("record_decision", ("decision",), "ceremony", _l("Record the admission decision"),
               DECIDING, forms.DecisionForm, guards=(guards.decision_receipt_plausible,),
               needs_deciding_unit=True),
    Transition("refuse_admission", ("decision",), "rejected", _l("Refuse admission"),
               DECIDING, forms.ReasonForm, needs_deciding_unit=True, confirm=True, style="danger"),
    Transition("hold_ceremony", ("ceremony",), "probation", _l("Record the admission ceremony"),
               BRANCH, forms.CeremonyForm, guards=(guards.ceremony_after_decision_received,), confirm=True),
    # Recognition (DOMAIN.md §2, row 9): the branch votes, the grassroots committee resolves, the
    # deciding unit decides; membership is official from the 12-month mark even when late. The
    # votes keep the case in probation: a vote that fails leaves striking off to the branch.
    Transition("record_recognition_vote", ("probation",), "probation", _l("Record the branch vote on recognition"),
               BRANCH, forms.RecognitionVoteForm,
               guards=(guards.probation_complete, guards.recognition_documents_received),
               outcome=guards.branch_vote_passes, fail_dest="probation"),
    Transition("record_recognition_review", ("probation",), "probation",
               _l("Record the committee review on recognition"), COMMITTEE, forms.RecognitionReviewForm,
               guards=(guards.recognition_vote_passed,), outcome=guards.committee_vote_passes,
               fail_dest="probation"),
    Transition("recognise_official", ("probation",), "official", _l("Recognise as official member"),
               DECIDING, forms.RecognitionForm, guards=(guards.recognition_review_passed,),
               derived=guards.official_from, confirm=True),
    Transition("strike_off", ("probation",), "struck_off", _l("Strike off"),
               BRANCH, forms.ReasonForm, confirm=True, style="danger"),
    Transition("withdraw", PRE_CEREMONY, "withdrawn", _l("Candidate withdraws"),
               BRANCH, forms.ReasonForm, confirm=True, style="outline-danger"),
    Transition("remove_from_pool", ("spotted", "training", "dossier"), "removed", _l("Remove from the pool"),
               BRANCH, forms.ReasonForm, confirm=True, style="outline-danger"),
    Transition("expire", ("training", "dossier", "branch_vote"), "expired", _l("Papers expired"),
               BRANCH, forms.ReasonForm, style="outline-warning"),
    Transition("reopen", ("expired", "rejected"), "spotted", _l("Return to nurturing"),
               BRANCH, forms.ReasonForm, style="outline-primary"),
)
TRANSITION_BY_TRIGGER = {t.trigger: t for t in TRANSITIONS}


@dataclass(frozen=True)
class Fact:
    """An act that records something about a case without moving it (a document received,
    a class result): still a log row, still scoped, locked and versioned."""
    event: str
    label: object
    roles: frozenset
    stages: tuple
    # False when the fact carries the date of what it records (a document's own date, possibly
    # older than acts before it): later acts are then not ordered after it.
    sets_order: bool = True


OPEN_STAGES = PRE_CEREMONY + ("probation",)
CORRECTION_EVENT = "record_correction"
FACTS = (
    Fact("record_document", _l("Record a dossier document"), BRANCH, OPEN_STAGES, sets_order=False),
    Fact("record_training_result", _l("Record the training class result"), BRANCH | DECIDING, ("training",)),
    # A correction never edits the row it corrects (the log is append-only): it is a row of its own
    # naming that act (data: corrects_seq, what, corrected_value) with a reason, in any stage, even
    # after the case has closed. It carries the day it was made, so it sets no order for later acts.
    Fact(CORRECTION_EVENT, _l("Correct an earlier act"), BRANCH | DECIDING, STAGE_NAMES, sets_order=False),
)
FACT_BY_EVENT = {f.event: f for f in FACTS}
# The first act of every case: it is created in this stage by the "spot" event.
INITIAL_STAGE = "spotted"
SPOT_EVENT = "spot"


def transitions_from(stage):
    return [t for t in TRANSITIONS if stage in t.sources]


def find_transition(trigger, stage):
    transition = TRANSITION_BY_TRIGGER.get(trigger)
    return transition if transition and stage in transition.sources else None


def blocking_reasons(transition, ctx):
    """Every reason the act cannot be done now; the rulebook check comes first since the
    others need it."""
    reasons = guards.rulebook_exists(ctx)
    if reasons:
        return reasons
    for check in (guards.act_date_in_order,) + transition.guards:
        reasons.extend(check(ctx))
    return reasons


def _machine_transitions():
    """Guards run before the machine fires (their reasons are needed); the machine's own
    conditions repeat them so no caller can move a case past a failing guard."""
    specs = []
    for t in TRANSITIONS:
        def ready(event, t=t):
            return not blocking_reasons(t, event.kwargs["ctx"])
        for source in t.sources:
            if t.outcome:
                def passes(event, t=t):
                    return t.outcome(event.kwargs["ctx"])
                specs.append(dict(trigger=t.trigger, source=source, dest=t.dest, conditions=[ready, passes]))
                specs.append(dict(trigger=t.trigger, source=source, dest=t.fail_dest, conditions=[ready]))
            else:
                specs.append(dict(trigger=t.trigger, source=source, dest=t.dest, conditions=[ready]))
    return specs


MACHINE = Machine(model=None, states=list(STAGE_NAMES), transitions=_machine_transitions(),
                  initial=None, auto_transitions=False, model_attribute="stage", send_event=True)
# What add_model puts on the instance, removed again after each act.
_BOUND_NAMES = ({"trigger", "may_trigger"} | {t.trigger for t in TRANSITIONS}
                | {f"may_{t.trigger}" for t in TRANSITIONS} | {f"is_stage_{s}" for s in STAGE_NAMES})


def fire(case, transition, ctx):
    """Bind the case, fire the trigger, unbind. Returns True if the stage changed."""
    MACHINE.add_model(case, initial=case.stage)
    try:
        return getattr(case, transition.trigger)(ctx=ctx)
    finally:
        MACHINE.remove_model(case)
        for name in _BOUND_NAMES & set(vars(case)):
            delattr(case, name)
