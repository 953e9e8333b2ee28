"""What a case's log says so far, in the shape the guards need."""
from dataclasses import dataclass, field
from datetime import date


@dataclass
class CaseFacts:
    last_effective_date: date | None = None
    certificate_number: str | None = None
    certificate_date: date | None = None
    dossier_opened_on: date | None = None
    branch_resolution_date: date | None = None
    decision_date: date | None = None
    decision_received_on: date | None = None
    ceremony_date: date | None = None
    failed_branch_votes: int = 0
    recognition_vote_date: date | None = None
    recognition_vote_passed: bool | None = None
    recognition_review_passed: bool | None = None
    # The rows themselves, for what reads the log directly (the dossier checklist).
    events: tuple = field(default_factory=tuple, repr=False)

    @classmethod
    def from_events(cls, events):
        from pipeline.workflow.definition import FACT_BY_EVENT
        facts = cls(events=tuple(events))
        for row in events:
            # A document's record carries the document's own date, which may be older than the
            # acts before it: such facts do not set the order later acts must follow.
            fact = FACT_BY_EVENT.get(row.act)
            if fact is None or fact.sets_order:
                facts.last_effective_date = row.effective_date
            data = row.data or {}
            if row.act == "complete_training":
                facts.certificate_number = data.get("certificate_number")
                facts.certificate_date = row.effective_date
                facts.dossier_opened_on = row.effective_date
            elif row.act == "record_branch_vote":
                if row.to_stage == "committee_review":
                    facts.branch_resolution_date = row.effective_date
                else:
                    facts.failed_branch_votes += 1
            elif row.act == "record_decision":
                facts.decision_date = row.effective_date
                facts.decision_received_on = date.fromisoformat(data["received_on"])
            elif row.act == "hold_ceremony":
                facts.ceremony_date = row.effective_date
            elif row.act == "record_recognition_vote":
                facts.recognition_vote_date = row.effective_date
                facts.recognition_vote_passed = data.get("passed")
                facts.recognition_review_passed = None  # a new vote needs a new resolution
            elif row.act == "record_recognition_review":
                facts.recognition_review_passed = data.get("passed")
            elif row.act == "resume_dossier":
                facts.dossier_opened_on = row.effective_date
        return facts
