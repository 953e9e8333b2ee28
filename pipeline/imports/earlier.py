"""The steps of a case's history that its row's columns do not hold: a column keeps the last time
the log holds a step, so a case voted on three times, or expired then reopened, keeps its earlier
acts (and the documents recorded before their last version) in one cell, "Earlier steps", as JSON:

    [["record_branch_vote", "2022-03-01", {"members_total": 30, ...}, ""], ...]

each [act, date, the data a person gave, reason], oldest first. The import replays them among the
row's other steps by date, through the same acts and guards. A class is named, not numbered (the
numbers belong to the database). Left out: the acts that only a database's own history explains
(a correction names an act by its place in the log; a move or transfer names the tree's units)."""
import json
from datetime import date

from pipeline.base.i18n import lazy_gettext as _l

# What the workflow adds to an act's data (derived, the vote's outcome, the mark of an import):
# replaying the act computes them again.
DERIVED = frozenset({"rulebook", "imported", "votes_needed", "passed", "referred_to_higher_committee",
                     "official_from", "issuing_unit_id", "class_id", "organiser", "class_name", "shortfall",
                     "counts_from", "days", "due_before", "due_after"})
SKIPPED_ACTS = frozenset({"spot", "record_correction", "void_act", "move_with_reorganisation", "transfer_branch"})
MAX_STEPS = 500


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


def earlier_text(log, covered_seqs):
    """The JSON of the log's entries outside `covered_seqs` (the row's columns), or None."""
    # A class by the name its enrolment recorded (a result names the class by its id only).
    class_names = {int(e.data["class_id"]): e.data.get("class_name") or "" for e in log
                   if e.act == "enrol_training" and (e.data or {}).get("class_id") is not None}
    steps = []
    for entry in log:
        if entry.seq in covered_seqs or entry.act in SKIPPED_ACTS:
            continue
        raw = entry.data or {}
        data = {key: _plain(value) for key, value in raw.items() if key not in DERIVED}
        if entry.act == "record_document":
            data = {key: _plain(value) for key, value in raw.items() if key not in ("rulebook", "imported")}
        if raw.get("class_id") is not None:
            data["class_name"] = class_names.get(int(raw["class_id"]), "")
        steps.append([entry.act, entry.effective_date.isoformat(), data, entry.reason or ""])
    return json.dumps(steps, ensure_ascii=False, separators=(",", ":")) if steps else None


class EarlierStepsInvalid(ValueError):
    """The cell is not a list of [act, date, data, reason]; `message` says what is wrong."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def earlier_steps(text, known_acts):
    """[(act, day, data, reason)] of the cell, oldest first; raises EarlierStepsInvalid."""
    if not text:
        return []
    try:
        found = json.loads(text)
    except ValueError:
        raise EarlierStepsInvalid(_l("Earlier steps are not readable: write them as the export does "
                                     "(a list of [act, date, data, reason]).")) from None
    if not isinstance(found, list) or len(found) > MAX_STEPS:
        raise EarlierStepsInvalid(_l("Earlier steps are not readable: write them as the export does "
                                     "(a list of [act, date, data, reason])."))
    steps = []
    for item in found:
        if not (isinstance(item, list) and len(item) == 4 and isinstance(item[2], dict)
                and isinstance(item[3], str) and item[0] in known_acts and item[0] not in SKIPPED_ACTS):
            raise EarlierStepsInvalid(_l("An earlier step is not an act of the process with its date, data "
                                         "and reason: %(step)s", step=str(item)[:200]))
        try:
            day = date.fromisoformat(item[1])
        except (TypeError, ValueError):
            raise EarlierStepsInvalid(_l("An earlier step has no date in the form yyyy-mm-dd: %(step)s",
                                         step=str(item)[:200])) from None
        steps.append((item[0], day, item[2], item[3]))
    return sorted(steps, key=lambda step: step[1])
