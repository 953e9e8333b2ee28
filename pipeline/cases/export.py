"""The candidate list as a spreadsheet: the columns of the page first, then every particular and the
date and particulars of every step the case's log holds, in the columns of the history import
(pipeline.imports.history_columns): an export re-imports into another database of the same tree
to the same cases (`flask --app wsgi import-cases`). Choices are written as their labels, a yes as
"x", as the import reads them in either language."""
from datetime import date
from itertools import islice

from sqlalchemy import select

from pipeline.exports import Column, stream_scalars
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
CHUNK = 500  # cases whose logs are read in one query
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


def case_rows(statement):
    """One row per case of `statement` (cases with their branch loaded), read in chunks, with the
    steps of their logs (one query per chunk). The reason is the stored text."""
    fields = _fields()
    cases = stream_scalars(statement)
    while chunk := list(islice(cases, CHUNK)):
        logs = _logs([case.id for case in chunk])
        for case in chunk:
            values = case_values(case, logs.get(case.id, []))
            yield tuple(_cell(f, values.get(f.name)) for f in fields)


def _logs(case_ids):
    found = {}
    for entry in db.session.execute(select(LogEntry).where(LogEntry.case_id.in_(case_ids))
                                    .order_by(LogEntry.case_id, LogEntry.seq)).scalars():
        found.setdefault(entry.case_id, []).append(entry)
    return found


def _cell(f, value):
    if value is None:
        return None
    if f.kind == "bool":
        return "x" if value else None
    if f.kind == "choice":
        return f.choices.get(value, value)
    return value


def _vote(values, prefix, data, members=True):
    counts = ("members_total", "members_present") if members else ("committee_size",)
    for name in counts + ("votes_for", "votes_against"):
        values[f"{prefix}_{name}"] = data.get(name)
    values[f"{prefix}_resolution"] = data.get("resolution_number") or None


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
    covered |= {last[("document", key)].seq for key, _kind in document_items()
                if ("document", key) in last and values.get(document_field(key)) is not None}
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
    day, data = on("record_branch_vote")
    values["branch_vote_on"] = day
    _vote(values, "branch", data)
    day, data = on("record_committee_review")
    values["committee_review_on"] = day
    _vote(values, "committee", data, members=False)
    day, data = on("record_decision")
    values |= {"decision_date": day, "decision_number": data.get("decision_number"),
               "decision_received_on": _date(data.get("received_on"))}
    day, data = on("hold_ceremony")
    values |= {"ceremony_date": day, "ceremony_place": data.get("place") or None}
    day, data = on("record_recognition_vote")
    values["recognition_vote_on"] = day
    _vote(values, "recognition", data)
    day, data = on("record_recognition_review")
    values["recognition_review_on"] = day
    _vote(values, "recognition_review", data, members=False)
    votes = [last[act] for act in VOTES if act in last]
    if votes:
        values["vote_reason"] = max(votes, key=lambda entry: entry.seq).reason or None
    day, data = on("recognise_official")
    values |= {"recognition_decision_date": day, "recognition_decision_number": data.get("decision_number")}


def _documents(values, last):
    for key, kind in document_items():
        entry = last.get(("document", key))
        data = (entry.data or {}) if entry else {}
        if not data.get("received"):
            continue
        values[document_field(key)] = _date(data.get("received_on")) or entry.effective_date
        for name, _label, field_kind in DETAILS.get(kind, ()):
            value = data.get(name)
            values[document_field(key, name)] = _date(value) if field_kind == "date" and value else value
        values[document_field(key, "note")] = data.get("note") or None


def _exit(values, case, log):
    moving = [entry for entry in log if entry.act in EXIT_ACTS]
    if moving and STAGE_BY_NAME[case.stage].exit and case.stage == moving[-1].to_stage:
        values |= {"exit_act": moving[-1].act, "exit_date": moving[-1].effective_date,
                   "exit_reason": moving[-1].reason or values["exit_reason"]}
