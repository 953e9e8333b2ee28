"""What each guard checks, in words a secretary reads (the process page); the guard's own name
stays beside it for whoever reads the code."""
from flask_babel import lazy_gettext as _l

GUARD_LABELS = {
    "class_open_to_branch": _l("The class is organised for the candidate's branch"),
    "training_certificate_valid": _l("A training certificate still valid on the day"),
    "passing_result": _l("A passing result in the class"),
    "education_sufficient": _l("The level of education the rules require"),
    "documents_received_for_complete_dossier": _l("Every document of the dossier received and in order"),
    "age_within_limits": _l("Age within the limits on the day of the branch meeting"),
    "dossier_not_stale": _l("Introductions, résumé and resolutions not older than the rules allow"),
    "documents_received_for_record_committee_review": _l("The sub-committee's appraisal received, where required"),
    "decision_receipt_plausible": _l("The decision received on or after its date, not in the future"),
    "ceremony_after_decision_received": _l("The ceremony held after the branch received the decision, within the time allowed"),
    "probation_complete": _l("The 12 months of probation are over"),
    "documents_received_for_record_recognition_vote": _l("The documents for recognition received"),
    "recognition_vote_passed": _l("The branch voted for recognition"),
    "recognition_review_passed": _l("The committee voted for recognition"),
}


def guard_label(guard):
    return GUARD_LABELS.get(guard.__name__, guard.__name__)
