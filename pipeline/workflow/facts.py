"""What a case's log says so far, in the shape the guards need."""
from dataclasses import dataclass
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

    @classmethod
    def from_events(cls, events):
        facts = cls()
        for row in events:
            facts.last_effective_date = row.effective_date
            data = row.data or {}
            if row.event == "complete_training":
                facts.certificate_number = data.get("certificate_number")
                facts.certificate_date = row.effective_date
                facts.dossier_opened_on = row.effective_date
            elif row.event == "record_branch_vote":
                if row.to_stage == "committee_review":
                    facts.branch_resolution_date = row.effective_date
                else:
                    facts.failed_branch_votes += 1
            elif row.event == "record_decision":
                facts.decision_date = row.effective_date
                facts.decision_received_on = date.fromisoformat(data["received_on"])
            elif row.event == "hold_ceremony":
                facts.ceremony_date = row.effective_date
            elif row.event == "resume_dossier":
                facts.dossier_opened_on = row.effective_date
        return facts
