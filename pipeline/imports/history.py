"""Importing cases in flight: one row per case (pipeline.imports.history_columns), each replayed
through the same acts and guards as a person entering them: `open_case`, then `perform` for every
step and document in the order of the road, each act judged by the rulebook in force on its date,
then `project`. Nothing else writes a case.

The preview is the import itself, rolled back: for every row, the first act that cannot be
recorded and the guards' reasons, or the stage the case reaches. All rows or none: one refused
row and nothing is written.

Every entry an import writes says so in its data, `imported` = {by, at, file_sha256}: the data is
hashed with the entry, so the mark is chained like every other fact, and the audit does not call
an imported act "entered late" (it was entered when the file was)."""
import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from pipeline.base import clock
from pipeline.base.errors import ActBlocked, ActError
from pipeline.base.formatting import format_day
from pipeline.base.i18n import lazy_gettext as _l
from pipeline.base.text import fold
from pipeline.cases.forms import NewCaseForm
from pipeline.cases.models import Case
from pipeline.dossier.operations import ACT as DOCUMENT_ACT, DETAIL_FIELDS, NOT_IN_DOSSIER, spec_for
from pipeline.extensions import db
from pipeline.imports.earlier import EarlierStepsInvalid, earlier_steps
from pipeline.imports.history_columns import (EXIT_ACTS, document_field, document_items, document_label,
                                              history_table)
from pipeline.imports.rows import CLOSED_STAGES, Problem
from pipeline.rules.rulebook import NoRulebook, rulebook_on
from pipeline.training.models import TrainingClass
from pipeline.training.operations import passed_in_class
from pipeline.transaction import one_transaction
from pipeline.units.models import Unit
from pipeline.workdays.calendar import WorkingCalendar
from pipeline.workflow.checklist import checklist_for, line_for
from pipeline.workflow.definition import ACT_BY_NAME
from pipeline.workflow.operations import deciding_units_for, open_case, perform, project
from pipeline.workflow.stages import stage_label

IMPORTING_ROLES = ("committee", "admin")
KIND = "cases"  # the uploads' kind (pipeline.bulk.uploads)


class HistoryRefused(Exception):
    """The import cannot start (the user may not import); the message is for the user."""


@dataclass
class Step:
    """One act to replay: the act's name, its date, its data and reason; `document`: the item's key."""
    act: str
    day: date
    data: dict = field(default_factory=dict)
    reason: str = ""
    document: str | None = None
    raw: bool = False  # an earlier step: its data as the log held it (pipeline.imports.earlier)

    @property
    def label(self):
        if self.document:
            return _l("Document %(code)s", code=document_label(self.document))
        return ACT_BY_NAME[self.act].label


@dataclass
class HistoryRow:
    row: int
    values: dict
    branch: object = None
    particulars: dict = field(default_factory=dict)
    steps: list = field(default_factory=list)
    # After the replay: the stage reached, or the act refused and why.
    stage: str | None = None
    refused_at: object = None
    reasons: list = field(default_factory=list)
    case_id: int | None = None

    @property
    def name(self):
        return self.particulars.get("full_name") or self.values.get("full_name")

    @property
    def stage_label(self):
        return stage_label(self.stage) if self.stage else ""


@dataclass
class Outcome:
    rows: list
    problems: list  # Problem(row, column, message), in row order
    written: bool = False

    @property
    def stages(self):
        """stage -> number of rows reaching it."""
        counts = {}
        for row in self.rows:
            if row.stage:
                counts[row.stage] = counts.get(row.stage, 0) + 1
        return counts


def may_import(actor):
    return actor is not None and actor.is_active and actor.role in IMPORTING_ROLES


def file_sha256(path):
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


# --- judging the cells ---------------------------------------------------------------------------

def read_rows(path):
    """(rows, problems of the file and its cells, layout); raises SheetError."""
    table = history_table()
    sheet, layout, problems = table.read(path)
    rows = []
    if problems:
        return rows, problems, layout
    for number, cells in sheet.rows:
        values, cell_problems = table.values(layout, number, cells)
        problems += cell_problems
        rows.append(HistoryRow(number, values))
    return rows, problems, layout


def _person(row, table, layout):
    """The particulars as the "New candidate" form judges them (posted as if typed on the page)."""
    values = row.values
    data = MultiDict()
    for name in NewCaseForm.PARTICULARS:
        value = values.get(name)
        if value is None or value is False:
            continue
        data[name] = "y" if value is True else (value.isoformat() if isinstance(value, date) else str(value))
    data["effective_date"] = values["spotted_on"].isoformat() if values.get("spotted_on") else ""
    form = NewCaseForm(formdata=data, meta={"csrf": False})
    if form.validate():
        row.particulars = form.particulars()
        return []
    columns = {"effective_date": "spotted_on"}
    return [Problem(row.row, table.column(layout, columns.get(f.name, f.name)), error)
            for f in form for error in f.errors]


def _branches(rows, actor, table, layout):
    codes = sorted({row.values["branch_code"] for row in rows if row.values.get("branch_code")})
    found = {u.code: u for u in db.session.execute(select(Unit).where(Unit.code.in_(codes))).scalars()}
    today, problems = clock.today(), []
    for row in rows:
        code = row.values.get("branch_code")
        if code is None:
            continue
        unit = found.get(code)
        column = table.column(layout, "branch_code")
        if unit is None:
            problems.append(Problem(row.row, column, _l("No unit with code %(code)s.", code=code)))
        elif not unit.is_branch or (unit.valid_to is not None and unit.valid_to < today):
            problems.append(Problem(row.row, column, _l("%(unit)s is not a branch that exists today.", unit=unit.name)))
        elif not unit.path.startswith(actor.unit.path):
            problems.append(Problem(row.row, column, _l("%(user)s may not open cases in %(unit)s.",
                                                        user=actor.username, unit=unit.name)))
        else:
            row.branch = unit
    return problems


def _duplicates(rows):
    """The same person twice in the file, or a person with an open case in the branch already."""
    problems, first_seen = [], {}
    keyed = [row for row in rows if row.particulars and row.branch is not None]
    for row in keyed:
        key = (fold(row.particulars["full_name"]), row.particulars["date_of_birth"])
        if key in first_seen:
            problems.append(Problem(row.row, None, _l("The same person as row %(row)d.", row=first_seen[key])))
        else:
            first_seen[key] = row.row
    names = sorted({fold(row.particulars["full_name"]) for row in keyed})
    open_cases = {}
    for start in range(0, len(names), 500):
        for case in db.session.execute(select(Case).where(Case.name_folded.in_(names[start:start + 500]),
                                                          Case.stage.not_in(CLOSED_STAGES))).scalars():
            open_cases[(case.name_folded, case.date_of_birth, case.branch_id)] = case
    for row in keyed:
        case = open_cases.get((fold(row.particulars["full_name"]), row.particulars["date_of_birth"], row.branch.id))
        if case is not None:
            problems.append(Problem(row.row, None, _l("%(name)s already has an open case in this branch (case no. "
                                                      "%(id)d).", name=case.full_name, id=case.id)))
    return problems


# --- the steps of a row --------------------------------------------------------------------------

def _vote_data(values, prefix, members=True):
    counts = ("members_total", "members_present") if members else ("committee_size",)
    data = {name: values.get(f"{prefix}_{name}") for name in counts + ("votes_for", "votes_against")}
    data = {name: value for name, value in data.items() if value is not None}
    if values.get(f"{prefix}_resolution"):
        data["resolution_number"] = values[f"{prefix}_resolution"]
    return data


def _main_steps(values):
    """The acts of the road the row has dates for, in the road's order."""
    v, steps = values, []

    def step(act, day, data=None, reason=""):
        if day is not None:
            steps.append(Step(act, day, data or {}, reason))

    step("enrol_training", v.get("enrolled_on"), {"class_name": v.get("training_class")})
    step("complete_training", v.get("certificate_date"), {"certificate_number": v.get("certificate_number")})
    step("complete_dossier", v.get("dossier_complete_on"))
    step("record_branch_vote", v.get("branch_vote_on"), _vote_data(v, "branch"))
    step("record_committee_review", v.get("committee_review_on"), _vote_data(v, "committee", members=False))
    step("record_decision", v.get("decision_date"),
         {"decision_number": v.get("decision_number"), "received_on": v.get("decision_received_on")})
    step("hold_ceremony", v.get("ceremony_date"), {"place": v.get("ceremony_place") or ""})
    step("record_recognition_vote", v.get("recognition_vote_on"), _vote_data(v, "recognition"))
    step("record_recognition_review", v.get("recognition_review_on"),
         _vote_data(v, "recognition_review", members=False))
    step("recognise_official", v.get("recognition_decision_date"),
         {"decision_number": v.get("recognition_decision_number")})
    return steps


def _document_steps(values):
    steps = []
    for key, kind in document_items():
        day = values.get(document_field(key))
        if day is None:
            continue
        details = {name: values.get(document_field(key, name)) for name in DETAIL_FIELDS.get(kind, ())}
        steps.append(Step(DOCUMENT_ACT.name, day, {"details": details,
                                                   "note": values.get(document_field(key, "note")) or ""},
                          document=key))
    return sorted(steps, key=lambda s: s.day)


VOTES = ("record_branch_vote", "record_committee_review", "record_recognition_vote", "record_recognition_review")


def _merged(main, earlier):
    """The row's steps and its earlier ones in the order of their dates (an earlier one first on
    the same day: it was recorded before the step's last time)."""
    ranked = [(step.day, 0, n, step) for n, step in enumerate(earlier)]
    ranked += [(step.day, 1, n, step) for n, step in enumerate(main)]
    return [step for _day, _rank, _n, step in sorted(ranked, key=lambda item: item[:3])]


def steps_of(values, earlier=()):
    """Documents before the first act dated after them (on the same day, first), and the exit last;
    the earlier steps among the others by date."""
    main = _merged(_main_steps(values), [Step(act, day, data, reason, raw=True) for act, day, data, reason in earlier])
    documents, steps = _document_steps(values), []
    votes = [step for step in main if step.act in VOTES]
    if votes and values.get("vote_reason"):
        votes[-1].reason = values["vote_reason"]
    for act in main:
        while documents and documents[0].day <= act.day:
            steps.append(documents.pop(0))
        steps.append(act)
    steps += documents
    if values.get("exit_act") in EXIT_ACTS:
        steps.append(Step(values["exit_act"], values.get("exit_date"), {}, values.get("exit_reason") or ""))
    return steps


def _exit_problems(row, table, layout):
    v = row.values
    if v.get("exit_act") and v.get("exit_date") is None:
        return [Problem(row.row, table.column(layout, "exit_date"), _l("Give the date the case left the road."))]
    if v.get("exit_date") and not v.get("exit_act"):
        return [Problem(row.row, table.column(layout, "exit_act"), _l("Say how the case left the road."))]
    return []


def judge(actor, path):
    """(rows, problems, ignored headers) of the file's cells, branches and people, before any act."""
    table = history_table()
    rows, problems, layout = read_rows(path)
    if not rows:  # the file as a whole is wrong
        return rows, problems, layout.ignored
    bad_rows = {p.row for p in problems}
    problems += _branches(rows, actor, table, layout)
    for row in rows:
        if row.row in bad_rows:
            continue
        problems += _person(row, table, layout)
        problems += _exit_problems(row, table, layout)
        try:
            earlier = earlier_steps(row.values.get("earlier_steps"), ACT_BY_NAME)
        except EarlierStepsInvalid as invalid:
            problems.append(Problem(row.row, table.column(layout, "earlier_steps"), invalid.message))
            continue
        row.steps = steps_of(row.values, earlier)
    problems += _duplicates(rows)
    return rows, sorted(problems, key=lambda p: p.row or 0), layout.ignored


# --- the replay -----------------------------------------------------------------------------------

class _Rollback(Exception):
    """Ends the transaction of a preview, or of a file with a refused row."""


class Replayer:
    """Replays rows on behalf of `actor`: every entry marked as imported from the file."""

    def __init__(self, actor, sha256, today, rows=()):
        self.actor, self.today = actor, today
        self.class_days = _class_days(rows)
        self.mark = {"by": actor.id, "at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
                     "file_sha256": sha256}
        self.calendar = WorkingCalendar.load()
        self.classes = {}
        self.deciding = {}

    def replay(self, row):
        try:
            held = open_case(self.actor, row.branch, row.values["spotted_on"], row.particulars, today=self.today,
                             calendar=self.calendar, marks={"imported": self.mark})
        except ActError as refused:
            row.refused_at = Step("spot", row.values["spotted_on"])
            row.reasons = [str(reason) for reason in refused.reasons]
            return False
        for step in row.steps:
            try:
                self._perform(held, step)
            except ActError as refused:
                row.refused_at, row.reasons = step, [str(reason) for reason in refused.reasons]
                row.stage = held.state.stage
                return False
        project(held.case, held.state, self.calendar)
        row.stage, row.case_id = held.state.stage, held.case.id
        return True

    def _perform(self, held, step):
        if step.document:
            return self._document(held, step)
        act, data, assume = ACT_BY_NAME[step.act], dict(step.data), None
        if step.raw and act is DOCUMENT_ACT:  # an earlier version of a document, as recorded then
            data |= {"rulebook": self._rulebook_code(step.day), "imported": self.mark}
            return perform(held, act, self.actor, step.day, data, reason=step.reason, today=self.today)
        if step.raw and "class_name" in data and step.act != "enrol_training":
            class_name = data.pop("class_name")
            data["class_id"] = self._class(held.case.branch, class_name, step.day).id
        if held.state.stage not in act.sources:
            raise ActBlocked(_l("This act cannot be recorded at the stage “%(stage)s”.",
                                stage=stage_label(held.state.stage)))
        if step.act == "enrol_training":
            data = {"class_id": self._class(held.case.branch, data.get("class_name"), step.day).id}
        elif step.act == "complete_training":
            assume = passed_in_class
        elif step.act == "record_decision":
            data["issuing_unit_id"] = self._deciding(held.case).id
            data = {k: v for k, v in data.items() if v is not None}
        data["imported"] = self.mark
        return perform(held, act, self.actor, step.day, data, reason=step.reason, today=self.today, assume=assume)

    def _document(self, held, step):
        """What the dossier page records (pipeline.dossier.operations.record_document_on), marked;
        the dossier judged as it stood on the document's date (the Youth Union path, for one,
        depends on the candidate's age that day), as if the branch had recorded it then."""
        try:
            spec = spec_for(step.document, step.day)
        except NoRulebook:
            raise ActBlocked(_l("No rulebook covers %(day)s: acts before it cannot be judged.",
                                day=format_day(step.day)))
        if spec is None or line_for(checklist_for(held.case, held.state, step.day), step.document) is None:
            raise ActBlocked(NOT_IN_DOSSIER)
        data = {"item": step.document, "received": True, "received_on": step.day.isoformat()}
        for name in DETAIL_FIELDS.get(spec.kind, ()):
            value = step.data["details"].get(name)
            data[name] = value.isoformat() if isinstance(value, date) else value
        data |= {"note": step.data["note"], "rulebook": rulebook_on(step.day).code, "imported": self.mark}
        return perform(held, DOCUMENT_ACT, self.actor, step.day, data, today=self.today)

    @staticmethod
    def _rulebook_code(day):
        try:
            return rulebook_on(day).code
        except NoRulebook:
            raise ActBlocked(_l("No rulebook covers %(day)s: acts before it cannot be judged.",
                                day=format_day(day))) from None

    def _deciding(self, case):
        if case.branch_id not in self.deciding:
            units = deciding_units_for(case)
            if not units:
                raise ActBlocked(_l("The issuing unit does not have the power to decide admissions for this branch."))
            self.deciding[case.branch_id] = units[-1]  # the nearest above the branch
        return self.deciding[case.branch_id]

    def _class(self, branch, name, day):
        """The class of that name open to the branch; one the import creates, organised by the
        deciding unit above the branch, when the database has none (a class of before the app)."""
        name = (name or "").strip() or str(_l("Training class"))
        for known in self.classes.get(name, []):
            if known.is_open_to(branch):
                return known
        found = [c for c in db.session.execute(select(TrainingClass).where(TrainingClass.name == name)).scalars()
                 if c.is_open_to(branch)]
        if found:
            return found[0]
        organiser = self._deciding_unit_of(branch)
        starts, ends = self.class_days.get(name, (day, day))
        created = TrainingClass(name=name, organiser_unit=organiser, organiser_name=organiser.name,
                                starts_on=starts, ends_on=ends)
        db.session.add(created)
        db.session.flush()
        self.classes.setdefault(name, []).append(created)
        return created

    def _deciding_unit_of(self, branch):
        ids = [int(part) for part in branch.path.strip("/").split("/")]
        units = db.session.execute(select(Unit).where(Unit.id.in_(ids), Unit.decides_admissions.is_(True))
                                   .order_by(Unit.depth)).scalars().all()
        return units[-1] if units else branch


def _class_days(rows):
    """class name -> (first, last day anyone of the file was sent to it): the span of a class the
    import creates (the file does not say when the class ended; it ended after its last enrolment)."""
    days = {}
    for row in rows:
        for step in row.steps:
            if step.act == "enrol_training":
                name = (step.data.get("class_name") or "").strip() or str(_l("Training class"))
                first, last = days.get(name, (step.day, step.day))
                days[name] = (min(first, step.day), max(last, step.day))
    return days


def replay_rows(actor, rows, sha256, write, progress=None):
    """Replay every row (already judged); commit when `write` and every row went through, else roll
    all of it back. Returns the Outcome: per row, the stage reached or the act refused."""
    outcome = Outcome(rows, [])
    today = clock.today()
    try:
        with one_transaction():
            replayer = Replayer(actor, sha256, today, rows)
            for done, row in enumerate(rows, 1):
                if not replayer.replay(row):
                    outcome.problems.append(Problem(row.row, None, refusal_text(row)))
                elif row.values.get("stage") and row.values["stage"] != row.stage:
                    # The file's own "Stage" (an export's) is not where its dates lead: a step is missing.
                    outcome.problems.append(Problem(row.row, None, _l(
                        "The file says the case is at “%(said)s”, but its steps lead to “%(reached)s”.",
                        said=stage_label(row.values["stage"]), reached=row.stage_label)))
                if progress:
                    progress(done, len(rows))
            if outcome.problems or not write:
                raise _Rollback()
            outcome.written = True
    except _Rollback:
        pass
    except NoRulebook as missing:
        outcome.problems.append(Problem(None, None, _l("No rulebook covers %(day)s.", day=str(missing.args[0]))))
    return outcome


def refusal_text(row):
    if row.stage is None:  # the case could not even be opened
        return _l("%(act)s on %(day)s cannot be recorded: %(reasons)s.", act=row.refused_at.label,
                  day=format_day(row.refused_at.day), reasons="; ".join(row.reasons))
    return _l("%(act)s on %(day)s cannot be recorded: %(reasons)s (the case would stay at “%(stage)s”).",
              act=row.refused_at.label, day=format_day(row.refused_at.day),
              reasons="; ".join(row.reasons), stage=row.stage_label)


def import_file(actor, path, write, progress=None):
    """Judge the file's cells, then replay its rows: the Outcome (problems of the cells stop it
    before any act)."""
    if not may_import(actor):
        raise HistoryRefused(_l("Only a committee or an administrator imports cases in flight."))
    rows, problems, _ignored = judge(actor, path)
    if problems or not rows:
        return Outcome(rows, problems)
    return replay_rows(actor, rows, file_sha256(path), write, progress)
