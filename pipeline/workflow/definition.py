"""The admission process, as one table (DOMAIN.md §2): every act a case can receive, in the order
of the road. Each row says everything about its act: the stages it is recorded in, the stage it
leads to (none: the case stays where it is), who may record it, what must hold first (guards,
each with its label), how a vote is decided and where a failed one leads, whether it needs a
reason, and what it adds to the case's state. The `transitions` Machine is built from this table
once, at import; the pages, buttons, the checklist's acts, the state diagram, the audit's checks
and the replay of a log all read the same rows."""
from dataclasses import dataclass, field
from datetime import date

from pipeline.base.i18n import lazy_gettext as _l
from transitions import Machine

from pipeline.workflow import extension, guards
from pipeline.workflow.stages import STAGE_BY_NAME, STAGE_NAMES
from pipeline.workflow.state import DocumentState, EnrolmentState

# Who may record an act. A board records the decisions of the standing committee it serves;
# a grassroots committee may too when its own unit has been given the power to decide.
BRANCH = frozenset({"secretary", "committee"})
COMMITTEE = frozenset({"committee"})
DECIDING = frozenset({"board", "committee"})
# The training class: the branch, or the class's organiser (the board, a deciding committee).
TRAINING = BRANCH | DECIDING
# A transfer between branches: a committee above both (or the board over them).
TRANSFERRING = frozenset({"committee", "board"})
ADMIN = frozenset({"admin"})

PRE_CEREMONY = ("spotted", "training", "dossier", "branch_vote", "committee_review", "decision", "ceremony")
OPEN_STAGES = PRE_CEREMONY + ("probation",)
INITIAL_STAGE = "spotted"

# Checks before every act that moves a case: a rulebook to judge it by (the others need one), and
# a date that is not in the future nor before the case's previous act.
MOVE_CHECKS = (guards.rulebook_exists, guards.act_date_in_order)
# Acts that keep the stage carry the date of what they record: only a future date is refused.
FACT_CHECKS = (guards.not_in_future,)


# --- what an act adds to the state (pipeline.workflow.replay applies these to each entry) -------

def on_date(entry):
    return entry.effective_date


def given(key):
    """The value the entry's data gives for `key`."""
    return lambda entry: (entry.data or {}).get(key)


def given_date(key):
    return lambda entry: date.fromisoformat(entry.data[key]) if (entry.data or {}).get(key) else None


def clears(entry):
    return None


# The details an item of the dossier keeps: an introducer's name, official status and since when
# they know the candidate; the résumé verification's result; a document's number.
DOCUMENT_DETAILS = ("number", "introducer_name", "official", "known_since", "verification_result")
SCAN_FIELDS = ("file_path", "file_name", "file_type", "file_size", "file_sha256")


def record_document(state, entry):
    data = entry.data or {}
    document = state.documents.get(data["item"]) or DocumentState(data["item"])
    if "received" in data:  # documents that are themselves an act take only a note and a scan
        document.received = bool(data["received"])
        document.received_on = date.fromisoformat(data["received_on"]) if data.get("received_on") else None
        document.details = {name: data[name] for name in DOCUMENT_DETAILS if name in data}
    document.note = data.get("note") or ""
    document.recorded_by_id = entry.actor_id
    document.recorded_by = entry.actor.display_name if entry.actor else None
    document.recorded_at = entry.recorded_at
    if data.get("file_name"):  # a new scan; without one the earlier scan stays
        for name in SCAN_FIELDS:
            setattr(document, name, data.get(name))
    state.documents[document.key] = document


def enrol(state, entry):
    # A case sent to a class before classes were records: its log names the class only.
    if (entry.data or {}).get("class_id") is not None:
        state.enrolments.append(EnrolmentState(int(entry.data["class_id"]), entry.effective_date))


def record_result(state, entry):
    class_id = (entry.data or {}).get("class_id")
    enrolment = state.enrolment_in(int(class_id)) if class_id is not None else state.current_enrolment
    if enrolment is not None:
        enrolment.result = entry.data["result"]


def issue_certificate(state, entry):
    enrolment = state.current_enrolment
    if enrolment is not None:
        enrolment.result = "passed"
        enrolment.certificate_number = entry.data["certificate_number"]
        enrolment.certificate_date = entry.effective_date


@dataclass(frozen=True)
class Act:
    name: str
    label: object
    sources: tuple  # the stages in which it may be recorded
    dest: str | None  # the stage it leads to; None: the case stays where it is
    roles: frozenset
    guards: tuple = ()  # checked in order, each once per act
    # For a vote: the check that decides between `dest` and `fail_dest` (it adds the count needed
    # and the result to the entry's data).
    outcome: object = None
    fail_dest: str | None = None
    # A failed branch vote on admission: counted on the case (failed_branch_votes).
    counts_failed_vote: bool = False
    # A vote on recognition (the branch's, the committee's): the rulebook's count of failed votes
    # refers the case to the higher committee (QĐ 29/24/232/294, point 4.2).
    refers_after_failed_votes: bool = False
    needs_reason: bool = False  # the exits and the return to nurturing are never without one
    needs_deciding_unit: bool = False  # issued by a unit with the power to decide admissions
    confirm: bool = False  # irreversible: the page asks before submitting
    sets_order: bool = True  # False: it carries the date of what it records, later acts may precede it
    # What it adds to the state: state field -> value taken from the entry, always, and when the
    # vote passed; `effect(state, entry)` for what is more than a field (documents, enrolments).
    records: dict = field(default_factory=dict)
    records_if_passed: dict = field(default_factory=dict)
    effect: object = None
    # Data the act adds to its entry, computed from the context (e.g. the date membership counts from).
    derived: tuple = ()
    style: str = "primary"
    # `applies(state)`: False when the act cannot apply to the case whatever is done next (its
    # history lacks what the act continues); the case page does not offer it then.
    applies: object = None
    # Its guards read earlier entries themselves (a correction names one): it is judged on the
    # state replayed from the whole log, not on the case's snapshot.
    reads_log: bool = False

    @property
    def moves(self):
        """An act that may change the stage (the case page offers it as a button)."""
        return self.dest is not None

    @property
    def specific_guards(self):
        """Its own guards, without the checks every act of its kind has (the process page)."""
        return tuple(g for g in self.guards if g not in MOVE_CHECKS + FACT_CHECKS)

    @property
    def destinations(self):
        return tuple(d for d in (self.dest, self.fail_dest) if d)


ACTS = (
    # 1. Talent spotting: the first act of every case opens it in the first stage.
    Act("spot", _l("Spotted as a candidate"), (), INITIAL_STAGE, BRANCH),
    # 2. The political training class.
    Act("enrol_training", _l("Send to the training class"), ("spotted",), "training", TRAINING,
        guards=MOVE_CHECKS + (guards.class_open_to_branch,), derived=(guards.enrolment_details,), effect=enrol),
    Act("record_training_result", _l("Record the training class result"), ("training",), None, TRAINING,
        guards=(guards.results_date_plausible,), effect=record_result),
    Act("complete_training", _l("Record the training certificate"), ("training",), "dossier", TRAINING,
        guards=MOVE_CHECKS + (guards.passing_result,), derived=(guards.certificate_details,),
        records={"certificate_number": given("certificate_number"), "certificate_date": on_date,
                 "dossier_opened_on": on_date}, effect=issue_certificate),
    Act("resume_dossier", _l("Reopen the dossier (certificate still valid)"), ("spotted",), "dossier", BRANCH,
        guards=MOVE_CHECKS + (guards.training_certificate_valid,), records={"dossier_opened_on": on_date},
        applies=lambda state: state.certificate_date is not None),
    # 3. The dossier: each document is recorded on the dossier page; the whole is then complete.
    Act("record_document", _l("Record a dossier document"), OPEN_STAGES, None, BRANCH,
        guards=FACT_CHECKS, sets_order=False, effect=record_document),
    Act("complete_dossier", _l("Dossier complete"), ("dossier",), "branch_vote", BRANCH,
        guards=MOVE_CHECKS + (guards.education_sufficient, guards.training_certificate_valid,
                              guards.dossier_documents_complete)),
    # 4. The branch votes: 2/3 of its official members; a failed vote returns the case to nurturing.
    # Over 60 the vote may go ahead: the written consent is needed before the decision.
    Act("record_branch_vote", _l("Record the branch vote"), ("branch_vote",), "committee_review", BRANCH,
        guards=MOVE_CHECKS + (guards.age_within_limits, guards.education_sufficient, guards.training_certificate_valid,
                              guards.dossier_documents_complete, guards.dossier_not_stale),
        outcome=guards.branch_vote_passes, fail_dest="spotted", counts_failed_vote=True,
        records_if_passed={"branch_resolution_date": on_date, "branch_vote_consent": given("over_age_consent")}),
    # 5. The grassroots committee: 2/3 of its members.
    Act("record_committee_review", _l("Record the grassroots committee review"), ("committee_review",), "decision",
        COMMITTEE, guards=MOVE_CHECKS + (guards.subcommittee_appraisal_received,),
        outcome=guards.committee_vote_passes, fail_dest="rejected"),
    # 6. The decision of the deciding unit's standing committee, or its refusal; a grassroots
    # committee given the power decides as the full committee (its vote: 2/3 of its members).
    Act("record_decision", _l("Record the admission decision"), ("decision",), "ceremony", DECIDING,
        guards=MOVE_CHECKS + (guards.decision_receipt_plausible, guards.over_age_consent_given,
                              guards.deciding_committee_vote_passes), needs_deciding_unit=True,
        derived=(guards.deciding_committee_vote,), records={"decision_date": on_date, "decision_received_on": given_date("received_on")}),
    Act("refuse_admission", _l("Refuse admission"), ("decision",), "rejected", DECIDING,
        guards=MOVE_CHECKS, needs_reason=True, needs_deciding_unit=True, confirm=True, style="danger"),
    # In a special case the deciding unit extends its time limit, once (pipeline.workflow.extension).
    Act("extend_decision", _l("Extend the time limit for the admission decision"), ("decision",), "decision",
        DECIDING, guards=MOVE_CHECKS + (extension.decision_extension_allowed,), needs_reason=True,
        needs_deciding_unit=True, derived=(extension.extension_details("decision"),),
        effect=extension.extends("decision"), style="outline-primary"),
    # 7. The ceremony: the candidate becomes a probationary member.
    Act("hold_ceremony", _l("Record the admission ceremony"), ("ceremony",), "probation", BRANCH,
        guards=MOVE_CHECKS + (guards.ceremony_after_decision_received,), confirm=True,
        records={"ceremony_date": on_date}),
    # 8-9. Probation and recognition: the branch votes, the grassroots committee resolves, the
    # deciding unit decides; membership is official from the 12-month mark even when late. The
    # votes keep the case in probation: a vote that fails leaves striking off to the branch.
    Act("record_recognition_vote", _l("Record the branch vote on recognition"), ("probation",), "probation", BRANCH,
        guards=MOVE_CHECKS + (guards.probation_complete, guards.recognition_documents_received),
        outcome=guards.branch_vote_passes, fail_dest="probation", refers_after_failed_votes=True,
        records={"recognition_vote_date": on_date, "recognition_vote_passed": given("passed"),
                 "recognition_review_passed": clears}),  # a new vote needs a new resolution
    Act("record_recognition_review", _l("Record the committee review on recognition"), ("probation",), "probation",
        COMMITTEE, guards=MOVE_CHECKS + (guards.recognition_vote_passed,), outcome=guards.committee_vote_passes,
        fail_dest="probation", refers_after_failed_votes=True, records={"recognition_review_passed": given("passed")}),
    Act("extend_recognition_decision", _l("Extend the time limit for the recognition decision"), ("probation",),
        "probation", DECIDING, guards=MOVE_CHECKS + (guards.recognition_review_passed,
                                                     extension.recognition_extension_allowed),
        needs_reason=True, needs_deciding_unit=True, derived=(extension.extension_details("recognition_decision"),),
        effect=extension.extends("recognition_decision"), style="outline-primary"),
    Act("recognise_official", _l("Recognise as official member"), ("probation",), "official", DECIDING,
        guards=MOVE_CHECKS + (guards.recognition_review_passed,), derived=(guards.official_from,), confirm=True),
    # Side exits, each with its reason, and the way back to nurturing.
    Act("strike_off", _l("Strike off"), ("probation",), "struck_off", BRANCH,
        guards=MOVE_CHECKS, needs_reason=True, confirm=True, style="danger"),
    Act("withdraw", _l("Candidate withdraws"), PRE_CEREMONY, "withdrawn", BRANCH,
        guards=MOVE_CHECKS, needs_reason=True, confirm=True, style="outline-danger"),
    Act("remove_from_pool", _l("Remove from the pool"), ("spotted", "training", "dossier"), "removed", BRANCH,
        guards=MOVE_CHECKS, needs_reason=True, confirm=True, style="outline-danger"),
    Act("expire", _l("Papers expired"), ("training", "dossier", "branch_vote"), "expired", BRANCH,
        guards=MOVE_CHECKS, needs_reason=True, style="outline-warning"),
    Act("reopen", _l("Return to nurturing"), ("expired", "rejected"), "spotted", BRANCH,
        guards=MOVE_CHECKS, needs_reason=True, style="outline-primary"),
    # A correction never edits the entry it corrects (the log is append-only): it is an entry of
    # its own naming that act (data: corrects_seq, what, corrected_value) with a reason, in any
    # stage, even after the case has closed. It carries the day it was made: it sets no order.
    Act("record_correction", _l("Correct an earlier act"), STAGE_NAMES, None, BRANCH | DECIDING,
        guards=(guards.corrects_an_earlier_act,) + FACT_CHECKS, needs_reason=True, sets_order=False,
        reads_log=True),
    # Voiding an act entered by mistake (pipeline.workflow.voiding): an entry of its own naming the
    # act (data: voids_seq, voids_event) with a reason. The case's state is replayed without the
    # voided act, so a void may take the case back: its to_stage is where that replay leaves it.
    Act("void_act", _l("Void an act entered by mistake"), STAGE_NAMES, None, BRANCH | DECIDING,
        guards=FACT_CHECKS, needs_reason=True, sets_order=False, style="outline-danger"),
    # The case changes branch, its dossier and history with it (data: from_branch_id,
    # to_branch_id and both names as they were then). Its deadlines keep running. A
    # reorganisation of units moves the open cases of the units it ends (pipeline.units.reorganise);
    # a committee above both branches transfers one candidate who moved house or job.
    Act("move_with_reorganisation", _l("Moved with a reorganisation of units"), OPEN_STAGES, None, ADMIN,
        guards=FACT_CHECKS, sets_order=False, records={"branch_id": given("to_branch_id")}),
    Act("transfer_branch", _l("Transferred to another branch"), OPEN_STAGES, None, TRANSFERRING,
        guards=(guards.act_date_in_order, guards.transfer_destination_open), needs_reason=True,
        records={"branch_id": given("to_branch_id")}),
)
ACT_BY_NAME = {act.name: act for act in ACTS}
SPOT = ACT_BY_NAME["spot"]
CORRECTION = ACT_BY_NAME["record_correction"]
VOID = ACT_BY_NAME["void_act"]
# The acts that move a case (the case page's buttons, the diagram's arrows).
MOVES = tuple(act for act in ACTS if act.moves and act.sources)


def acts_from(stage):
    """The acts that may move a case out of (or within) `stage`."""
    return [act for act in MOVES if stage in act.sources]


def act_named(name, stage=None):
    """The act called `name` (that may be recorded in `stage`, when given), or None."""
    act = ACT_BY_NAME.get(name)
    return act if act and (stage is None or stage in act.sources) else None


def act_needing_documents(stage):
    """The act of `stage` that needs documents of the dossier (the dossier page says what it
    still lacks), or None."""
    return next((act for act in acts_from(stage)
                 if any(isinstance(check, guards.DocumentsGuard) for check in act.guards)), None)


def is_exit(stage):
    return STAGE_BY_NAME[stage].exit


def judge(act, ctx):
    """Every reason the act cannot be done now, each guard asked once; the rulebook check comes
    first and alone, since the others need a rulebook."""
    reasons = []
    for check in act.guards:
        found = check(ctx)
        if found and check is guards.rulebook_exists:
            return list(found)
        reasons.extend(found)
    return reasons


# --- the machine -------------------------------------------------------------------------------

def _passed(event_data):
    """The Machine's condition for a vote's first transition: its entry records that it passed."""
    return (event_data.kwargs["entry"].data or {}).get("passed") is True


def _machine_transitions():
    """One transition per (act, source); a vote has two, the first taken when it passed. Acts that
    keep the stage are internal transitions: the machine checks they may be recorded there."""
    specs = []
    for act in ACTS:
        for source in act.sources:
            if act.outcome:
                specs.append(dict(trigger=act.name, source=source, dest=act.dest, conditions=[_passed]))
                specs.append(dict(trigger=act.name, source=source, dest=act.fail_dest))
            else:
                specs.append(dict(trigger=act.name, source=source, dest=act.dest))
    return specs


MACHINE = Machine(model=None, states=list(STAGE_NAMES), transitions=_machine_transitions(),
                  initial=None, auto_transitions=False, model_attribute="stage", send_event=True)
# What add_model puts on the instance, removed again after each use.
BOUND_NAMES = frozenset({"trigger", "may_trigger"} | {act.name for act in ACTS} | {f"may_{act.name}" for act in ACTS}
                        | {f"is_stage_{s}" for s in STAGE_NAMES})
