"""The case page's timeline: the log rows in words. Labels come from the forms that collected
the data, so a field added to an act's form shows up here with its own label."""
import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import format_date, gettext as _
from pipeline.base.i18n import lazy_gettext as _l
from sqlalchemy import select
from wtforms.fields.core import UnboundField

from pipeline.base.glosses import with_gloss
from pipeline.cases.act_forms import ACT_FORMS
from pipeline.cases.forms import NewCaseForm
from pipeline.cases.models import EDUCATION_LEVELS, SEXES, SOURCE_ORGANISATIONS
from pipeline.workflow.checklist import VERIFICATION_RESULTS
from pipeline.dossier.forms import LOG_LABELS, LOGGED_FORMS, human_size
from pipeline.dossier.operations import SCAN_TYPES
from pipeline.extensions import db
from pipeline.rules.rulebook import load_rulebooks
from pipeline.training.models import RESULT_LABELS
from pipeline.units.models import UnitVersion
from pipeline.units.naming import deciding_body
from pipeline.workflow import definition
from pipeline.workflow.guards import shortfall_of

ACT_LABELS = {act.name: act.label for act in definition.ACTS}
EXTRA_LABELS = {
    "rulebook": _l("Judged by the rules of"),
    "introducers": _l("Introducing members"),
    "referred_to_higher_committee": _l("Referred to the higher committee"),
    "votes_needed": _l("Votes needed"),
    "official_from": _l("Official member from"),
    "passed": _l("Passed"),
    "class_name": _l("Training class"),
    "organiser": _l("Organised by"),
    "result": _l("Result"),
    "from_branch_name": _l("From branch"),
    "to_branch_name": _l("To branch"),
    # A decision limit extended (pipeline.workflow.extension).
    "counts_from": _l("Time limit counted from"),
    "working_days": _l("Extended by (working days)"),
    "due_before": _l("Last day before the extension"),
    "due_after": _l("Last day after the extension"),
}
UNIT_KEYS = ("issuing_unit_id", "branch_id")  # shown by the unit's name
# Shown by the class's name, by the corrected act's label; where a scan is stored; a move's
# branches by the names they had then (the entry keeps both); which limit an extension extends, by
# its act's label.
HIDDEN_KEYS = {"class_id", "corrects_event", "voids_event", "file_path", "from_branch_id", "to_branch_id", "extends"}
CHOICE_LABELS = {"sex": SEXES, "education": EDUCATION_LEVELS, "source_organisation": SOURCE_ORGANISATIONS,
                 "verification_result": VERIFICATION_RESULTS, "result": RESULT_LABELS}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A scan's type as people name it (PDF, not application/pdf).
SCAN_TYPE_NAMES = {mime: name.upper() for name, (mime, _signatures, _extensions) in SCAN_TYPES.items()}
SHORT_FINGERPRINT = 12  # characters of a scan's SHA-256 shown; 64 would widen a phone's page


@dataclass
class Shortened:
    """A value shown in part (the page gives the whole in a title)."""
    shown: str
    full: str

    def __str__(self):
        return self.shown


def form_labels(form_class):
    labels = {}
    for name in dir(form_class):
        attr = getattr(form_class, name, None)
        if isinstance(attr, UnboundField):
            label = attr.args[0] if attr.args else attr.kwargs.get("label")
            if label is not None:
                labels[name] = label
    return labels


LABELS_BY_ACT = {definition.SPOT.name: form_labels(NewCaseForm)} | {
    name: form_labels(form) for name, form in ACT_FORMS.items()}
LABELS_BY_ACT[definition.CORRECTION.name] = {
    "corrects_seq": _l("Corrects act no."), "what": _l("What is wrong"), "corrected_value": _l("What it should read")}
LABELS_BY_ACT[definition.VOID.name] = {"voids_seq": _l("Voids act no.")}
LABELS_BY_ACT["record_document"] = {
    name: label for form in LOGGED_FORMS for name, label in form_labels(form).items()} | LOG_LABELS


@dataclass
class TimelineEntry:
    row: object  # the log entry
    label: object
    details: list  # (label, text) pairs
    outcome: object = None  # why a vote did not pass, in the reader's language
    corrections: list = field(default_factory=list)  # entries of the corrections of this act
    voided_by: object = None  # the entry of the void that voided this act


def _day(text):
    try:
        return format_date(date.fromisoformat(text), "dd/MM/yyyy")
    except ValueError:
        return text


class UnitNames:
    """Units by the name they had on a day (a later renaming or merger does not rename the past)."""

    def __init__(self, unit_ids):
        self.periods = {}
        if unit_ids:
            for version in db.session.execute(select(UnitVersion).where(UnitVersion.unit_id.in_(unit_ids))
                                              .order_by(UnitVersion.starts_on)).scalars():
                self.periods.setdefault(version.unit_id, []).append(version)

    def version_on(self, unit_id, day):
        periods = self.periods.get(unit_id)
        if not periods:
            return None
        held = [v for v in periods if v.starts_on <= day] or periods[:1]
        return held[-1]

    def name_on(self, unit_id, day):
        version = self.version_on(unit_id, day)
        return version.name if version else f"#{unit_id}"


def _text(key, value, units, rulebooks, day=None):
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if key == "issuing_unit_id" and units.version_on(value, day) is not None:
        return deciding_body(units.version_on(value, day), day)  # the standing committee, as the decision reads
    if key in UNIT_KEYS:
        return units.name_on(value, day)
    if key in CHOICE_LABELS:
        return str(CHOICE_LABELS[key].get(value, value))
    if key == "rulebook":
        return with_gloss(rulebooks.get(value, value))
    if key == "file_type":
        return SCAN_TYPE_NAMES.get(value, value)
    if key == "file_size" and isinstance(value, int):
        return str(human_size(value))
    if key == "file_sha256" and isinstance(value, str):
        return Shortened(value[:SHORT_FINGERPRINT] + "…", value)
    if key == "introducers":
        people = []
        for person in value:
            words = [person.get("name", "")]
            if person.get("known_since"):
                words.append(_("known since %(day)s", day=_day(person["known_since"])))
            if not person.get("official", True):
                words.append(_("not an official member"))
            people.append(", ".join(words))
        return "; ".join(people) or "—"
    if isinstance(value, str) and ISO_DATE.match(value):
        return _day(value)
    return str(value)


def timeline(entries_of_log):
    """One entry per log entry. Loads the units the entries refer to in one query."""
    unit_ids = {e.data.get(key) for e in entries_of_log if isinstance(e.data, dict) for key in UNIT_KEYS} - {None}
    units = UnitNames(unit_ids)
    rulebooks = {book.code: book.title for book in load_rulebooks()}
    entries = []
    for row in entries_of_log:
        labels = LABELS_BY_ACT.get(row.act, {})
        details = []
        for key, value in (row.data or {}).items():
            if value is None or value == "" or value == [] or key in HIDDEN_KEYS:
                continue
            label = labels.get(key) or EXTRA_LABELS.get(key) or key
            details.append((label, _text(key, value, units, rulebooks, row.effective_date)))
        entries.append(TimelineEntry(row, ACT_LABELS.get(row.act, row.act), details, shortfall_of(row.data)))
    return with_voids(with_corrections(entries))


def with_voids(entries):
    """A void is shown on the act it voids, which stays in its place, struck through."""
    by_seq = {entry.row.seq: entry for entry in entries}
    shown = []
    for entry in entries:
        target = by_seq.get((entry.row.data or {}).get("voids_seq")) if entry.row.act == definition.VOID.name else None
        if target is not None and target is not entry:
            target.voided_by = entry
        else:
            shown.append(entry)
    return shown


def with_corrections(entries):
    """A correction is shown under the act it corrects (it never changes that act's row), not as
    an entry of its own; one naming no act of the case stays in its place."""
    by_seq = {entry.row.seq: entry for entry in entries}
    shown = []
    for entry in entries:
        target = None
        if entry.row.act == definition.CORRECTION.name:
            target = by_seq.get((entry.row.data or {}).get("corrects_seq"))
        if target is not None and target is not entry:
            target.corrections.append(entry)
        else:
            shown.append(entry)
    return shown
