"""The candidate list as a spreadsheet: the columns of the page first, then every particular and the
date and particulars of every step the case's log holds, in the columns of the history import
(pipeline.imports.history_columns): an export re-imports into another database of the same tree
to the same cases (`flask --app wsgi import-cases`). Choices are written as their labels, a yes as
"x", as the import reads them in either language."""
import json
from datetime import date
from functools import lru_cache
from operator import itemgetter
from typing import NamedTuple

from sqlalchemy import Text, cast, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by

from pipeline.cases.models import Case
from pipeline.exports import Column, stream_rows
from pipeline.extensions import db
from pipeline.imports.earlier import earlier_text
from pipeline.imports.history_columns import (DETAILS, EXIT_ACTS, document_field, document_items,
                                              history_table)
from pipeline.workflow.replay import standing
from pipeline.workflow.models import LogEntry
from pipeline.workflow.stages import STAGE_BY_NAME

VOTES = ("record_branch_vote", "record_committee_review", "record_recognition_vote", "record_recognition_review")
# The acts whose last entry has columns of its own (the others go to "Earlier steps").
COLUMN_ACTS = ("enrol_training", "complete_training", "complete_dossier", *VOTES, "record_decision", "hold_ceremony",
               "recognise_official")
# The page's columns, in its order; then the rest of the history's.
FIRST = ("full_name", "date_of_birth", "sex", "branch", "stage", "since", "source_organisation", "exit_reason")
DATE_KINDS = {"date": "date", "int": "int"}


def _fields():
    table = history_table()
    return [table.by_name[name] for name in FIRST] + [f for f in table.fields if f.name not in FIRST]


def export_columns():
    """The page's columns, printed; then the history's, in the file for a re-import only (not on paper)."""
    return tuple(Column(f.label, DATE_KINDS.get(f.kind, "text"), printed=f.name in FIRST) for f in _fields())


class _Columns:
    """CASE_COLUMNS, built when first read: the document columns come from the rulebooks."""

    def __iter__(self):
        return iter(export_columns())

    def __len__(self):
        return len(export_columns())


CASE_COLUMNS = _Columns()


class Step(NamedTuple):
    """A log entry as the export reads it: what the history's columns need of it."""
    seq: int
    act: str
    to_stage: str
    effective_date: date
    reason: str
    data: dict


class CaseRows:
    """case_rows(statement): iterated, the rows; `row_count()`, how many by one count, asked by
    pipeline.jobs.operations before reading any: a list above EXPORT_JOB_ROWS goes to the worker
    without the request making (and holding) its first twenty thousand rows to find out."""

    def __init__(self, statement):
        self.statement = statement

    def __iter__(self):
        return _rows(self.statement)

    def row_count(self):
        return db.session.execute(select(func.count()).select_from(self.statement.order_by(None).subquery())
                                  ).scalar_one()


def case_rows(statement):
    """One row per case of `statement` (cases with their branch loaded), with the steps of their
    logs, all read by one streamed statement whatever the number of cases (each case's log comes
    with it, aggregated by the database: log_column). The reason is the stored text."""
    return CaseRows(statement)


def _rows(statement):
    fields = _fields()
    names = [f.name for f in fields]
    # Made here, in the request's language: the choices' labels.
    cells = [(index, _cell_of(f)) for index, f in enumerate(fields) if f.kind in ("bool", "choice")]
    for case, log in stream_rows(statement.add_columns(log_column())):
        row = list(map(case_values(case, steps_of(log)).get, names))
        for index, cell in cells:
            row[index] = cell(row[index])
        yield tuple(row)


def log_column():
    """The case's log as the text of one JSON array of [seq, act, to_stage, effective_date, reason,
    data]: a subquery correlated to the case, read through the log's (case, seq) index. In a
    server-side cursor PostgreSQL works it out after sorting the cases, one case at a time. Text,
    parsed row by row (steps_of): the driver would parse a whole fetch of them at once, and
    keeping its thousand logs alive makes Python's collector run three times as often."""
    fields = (LogEntry.seq, LogEntry.act, LogEntry.to_stage, LogEntry.effective_date, LogEntry.reason)
    if db.engine.dialect.name == "postgresql":
        log = cast(func.json_agg(aggregate_order_by(func.json_build_array(*fields, LogEntry.data), LogEntry.seq)),
                   Text)
    else:  # SQLite: its aggregate keeps no order it promises; steps_of sorts
        log = func.json_group_array(func.json_array(*fields, func.json(LogEntry.data)))
    return select(log).where(LogEntry.case_id == Case.id).correlate(Case).scalar_subquery()


def steps_of(log):
    """The Steps of log_column's text, by seq."""
    steps = sorted(json.loads(log), key=itemgetter(0)) if log else ()
    return [Step(seq, act, to_stage, date.fromisoformat(day), reason, data)
            for seq, act, to_stage, day, reason, data in steps]


def _cell_of(f):
    """The function writing a value of a choice or yes/no field as the export's cell: a choice as
    its label (translated once, not once per row), a yes as "x"."""
    if f.kind == "bool":
        return lambda value: "x" if value else None
    labels = {key: str(label) for key, label in f.choices.items()}
    return lambda value: None if value is None else labels.get(value, value)


def _vote_columns(prefix, members=True):
    """(column, key of the act's data) of a vote's figures, then the resolution's column."""
    counts = ("members_total", "members_present") if members else ("committee_size",)
    return tuple((f"{prefix}_{name}", name) for name in counts + ("votes_for", "votes_against")), f"{prefix}_resolution"


# act -> its date's column and its figures' (pipeline.imports.history_columns._vote)
VOTE_COLUMNS = {"record_branch_vote": ("branch_vote_on", _vote_columns("branch")),
                "record_committee_review": ("committee_review_on", _vote_columns("committee", members=False)),
                "record_recognition_vote": ("recognition_vote_on", _vote_columns("recognition")),
                "record_recognition_review": ("recognition_review_on",
                                              _vote_columns("recognition_review", members=False))}


def _vote(values, columns, data):
    figures, resolution = columns
    for column, name in figures:
        values[column] = data.get(name)
    values[resolution] = data.get("resolution_number") or None


@lru_cache(maxsize=1)
def _document_columns():
    """(key, its date's column, [(detail, its column, whether a date)], its note's column) of each
    document item, the names worked out once rather than per case."""
    return tuple((key, document_field(key),
                  tuple((name, document_field(key, name), field_kind == "date")
                        for name, _label, field_kind in DETAILS.get(kind, ())),
                  document_field(key, "note"))
                 for key, kind in document_items())


def _date(text):
    return date.fromisoformat(text) if text else None


def case_values(case, log):
    """field name -> value of the history's columns, from the case's row and its log: each step
    as the last entry of its act says it."""
    log = standing(log)  # a voided act is not part of the history carried elsewhere
    values = {name: getattr(case, name) for name in ("full_name", "date_of_birth", "sex", "ethnicity",
                                                        "education", "occupation", "residence",
                                                        "youth_union_member", "source_organisation",
                                                        "helper_member")}
    values |= {"branch_code": case.branch.code, "branch": case.branch.name, "stage": case.stage,
               "since": case.stage_entered_on, "exit_reason": case.exit_reason or None}
    last = {}
    for entry in log:
        if entry.act == "record_document":
            last[("document", (entry.data or {}).get("item"))] = entry
        else:
            last[entry.act] = entry
    values["spotted_on"] = log[0].effective_date if log else None
    _steps(values, last)
    _documents(values, last)
    _exit(values, case, log)
    values["earlier_steps"] = earlier_text(log, _covered(values, last, log))
    return values


def _covered(values, last, log):
    """The seqs of the entries the row's columns hold: the spotting, the last entry of each step,
    the last of each document exported, the exit."""
    covered = {log[0].seq} if log else set()
    covered |= {last[act].seq for act in COLUMN_ACTS if act in last}
    covered |= {last[("document", key)].seq for key, column, _details, _note in _document_columns()
                if values.get(column) is not None}
    exits = [entry for entry in log if entry.act in EXIT_ACTS]
    if values.get("exit_act") and exits:
        covered.add(exits[-1].seq)
    return covered


def _steps(values, last):
    def on(act):
        entry = last.get(act)
        return (entry.effective_date, entry.data or {}) if entry else (None, {})

    day, data = on("enrol_training")
    values |= {"enrolled_on": day, "training_class": data.get("class_name")}
    day, data = on("complete_training")
    values |= {"certificate_date": day, "certificate_number": data.get("certificate_number")}
    values["dossier_complete_on"] = on("complete_dossier")[0]
    for act, (day_column, columns) in VOTE_COLUMNS.items():
        day, data = on(act)
        values[day_column] = day
        _vote(values, columns, data)
    day, data = on("record_decision")
    values |= {"decision_date": day, "decision_number": data.get("decision_number"),
               "decision_received_on": _date(data.get("received_on"))}
    day, data = on("hold_ceremony")
    values |= {"ceremony_date": day, "ceremony_place": data.get("place") or None}
    votes = [last[act] for act in VOTES if act in last]
    if votes:
        values["vote_reason"] = max(votes, key=lambda entry: entry.seq).reason or None
    day, data = on("recognise_official")
    values |= {"recognition_decision_date": day, "recognition_decision_number": data.get("decision_number")}


def _documents(values, last):
    for key, column, details, note in _document_columns():
        entry = last.get(("document", key))
        data = (entry.data or {}) if entry else {}
        if not data.get("received"):
            continue
        values[column] = _date(data.get("received_on")) or entry.effective_date
        for name, detail_column, is_date in details:
            value = data.get(name)
            values[detail_column] = _date(value) if is_date and value else value
        values[note] = data.get("note") or None


def _exit(values, case, log):
    moving = [entry for entry in log if entry.act in EXIT_ACTS]
    if moving and STAGE_BY_NAME[case.stage].exit and case.stage == moving[-1].to_stage:
        values |= {"exit_act": moving[-1].act, "exit_date": moving[-1].effective_date,
                   "exit_reason": moving[-1].reason or values["exit_reason"]}
