"""What a case's log says so far: its state, built by `pipeline.workflow.replay` and by nothing
else. The guards read it, the case page shows it, and the projection tables are written from it."""
from dataclasses import dataclass, field, replace
from datetime import date, datetime


@dataclass
class DocumentState:
    """One item of the dossier as the log's "record_document" entries leave it."""
    key: str  # the rulebook's item key, with a suffix where one item is due several times ("3-KNĐ:2")
    received: bool = False
    received_on: date | None = None
    note: str = ""
    details: dict = field(default_factory=dict)  # an introducer's name, the verification's result…
    recorded_by_id: int | None = None
    recorded_by: str | None = None  # display name of who recorded it
    recorded_at: datetime | None = None
    file_path: str | None = None  # the stored scan, under the instance folder
    file_name: str | None = None
    file_type: str | None = None
    file_size: int | None = None
    file_sha256: str | None = None


@dataclass
class EnrolmentState:
    """The case in one training class, as its enrolment, result and certificate were logged."""
    class_id: int
    enrolled_on: date
    result: str | None = None
    certificate_number: str | None = None
    certificate_date: date | None = None


@dataclass
class EntryFacts:
    """What the state keeps of one log entry: the facts the guards, the checklist and the exit
    reason read, without the entry itself (a state decoded from its snapshot has no log)."""
    seq: int
    act: str
    effective_date: date
    recorded_at: datetime | None = None
    data: dict = field(default_factory=dict)
    reason: str = ""
    actor_name: str | None = None  # display name of who recorded it

    @classmethod
    def of(cls, entry):
        return cls(entry.seq, entry.act, entry.effective_date, entry.recorded_at, dict(entry.data or {}),
                   entry.reason or "", entry.actor.display_name if entry.actor else None)


@dataclass
class CaseState:
    """A case after the entries of its log, oldest first (`entries`)."""
    particulars: dict = field(default_factory=dict)  # as the spotting recorded them
    # The branch the case is in: the spotting's, then each move's (None: a log from before the
    # spotting named the branch).
    branch_id: int | None = None
    stage: str | None = None
    stage_entered_on: date | None = None
    # The entry that moved the case into the side exit where it stands (its reason is the case's).
    exit_entry: object = None
    # The date later acts may not precede: that of the last act that sets an order.
    last_effective_date: date | None = None
    last_recorded_at: datetime | None = None
    failed_branch_votes: int = 0
    certificate_number: str | None = None
    certificate_date: date | None = None
    dossier_opened_on: date | None = None
    branch_resolution_date: date | None = None
    decision_date: date | None = None
    decision_received_on: date | None = None
    ceremony_date: date | None = None
    recognition_vote_date: date | None = None
    recognition_vote_passed: bool | None = None
    recognition_review_passed: bool | None = None
    # The consent of the latest branch vote that passed, for a candidate over the age limit.
    branch_vote_consent: object = None
    documents: dict = field(default_factory=dict)  # item key -> DocumentState, in the order recorded
    enrolments: list = field(default_factory=list)  # EnrolmentState, in the order enrolled
    # The decision limits the deciding unit extended: deadline key -> the day the extended limit
    # counts from (the branch resolution it answers), so that a new resolution is not extended.
    extensions: dict = field(default_factory=dict)
    # Act name -> EntryFacts of its latest entry that counts as a document for the checklist (a
    # vote that did not pass produces no resolution; a return to nurturing starts the road again).
    acts_on_record: dict = field(default_factory=dict)
    failed_votes: dict = field(default_factory=dict)  # act name -> how many of its votes failed
    last_entry_date: date | None = None  # the effective date of the newest entry, a void included
    # The entries folded, oldest first, when the state was replayed from the log; None when it was
    # read from the case's snapshot (pipeline.workflow.snapshot): only what needs the whole log
    # (a correction, a void) replays it.
    entries: tuple | None = field(default_factory=tuple, repr=False)
    # The newest entry folded (or the snapshot's head): what the next entry chains to.
    head: object = field(default=None, repr=False)
    # The running deadlines (pipeline.workflow.deadlines.Deadline), when replayed with a calendar.
    deadlines: tuple = ()

    @property
    def current_enrolment(self):
        """The enrolment the case's training stage refers to: the latest one."""
        return self.enrolments[-1] if self.enrolments else None

    def enrolment_in(self, class_id):
        return next((e for e in self.enrolments if e.class_id == class_id), None)

    def copy(self):
        """A copy that can be changed without changing this state (documents and enrolments too)."""
        return replace(self, particulars=dict(self.particulars),
                       documents={key: replace(doc, details=dict(doc.details)) for key, doc in self.documents.items()},
                       enrolments=[replace(e) for e in self.enrolments], extensions=dict(self.extensions),
                       acts_on_record=dict(self.acts_on_record), failed_votes=dict(self.failed_votes))
