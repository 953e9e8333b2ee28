"""Every act form of the case page (/candidates/<id>/act/<name>) against bad input: random
unicode, NFD Vietnamese, control characters, 10,000-character texts, dates out of range,
negative and huge counts, missing and doubled fields, stale or foreign versions, another unit's
case, ids of other units. Never a 500, never a partial write (see bad_input_support)."""
from datetime import date
from urllib.parse import quote

import pytest
from hypothesis import strategies as st
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField
from wtforms.fields.core import UnboundField

from bad_input_support import (EXAMPLES, VERSION, dates, explore, flags, ids, integers, logged_in, mostly,
                               pairs_of, submit, texts, valid_pairs)
from conftest import ACTS_WITHIN, FORWARD_ACTS, fresh, record_documents, with_ids
from pipeline.cases.forms import act_form_class
from pipeline.workflow import definition, operations

REASON = "Quần chúng xin rút khỏi danh sách"
LATER = date(2023, 3, 1)  # after every act make_case records, before today
# What an act may write: its log row, and the enrolment of enrol_training.
ACT_WRITES = ({"case_event": 1}, {"case_event": 1, "enrolment": 1})
NEVER_DONE = ("resume_dossier", "complete_training")  # the certificate comes from the class, not this form
RECOGNITION = ("record_recognition_vote", "record_recognition_review", "recognise_official")
# An extension is dated while the limit it extends still runs (after the acts that start it).
EXTENSIONS = {"extend_decision": date(2022, 1, 10), "extend_recognition_decision": date(2023, 2, 22)}


def setup_stage(table_act):
    """The main-road stage a case is made at for this act (reopen starts from a refusal)."""
    return next((s for s in ("spotted", "training", "dossier", "branch_vote", "committee_review", "decision",
                             "ceremony", "probation") if s in table_act.sources), "decision")


def username_for(table_act):
    if "secretary" in table_act.roles:
        return "sec_a1"
    return "com_a" if table_act.roles == definition.COMMITTEE else "board"


def known_act(act_name):
    """(date, data) that make_case's world accepts for this act, if it has one."""
    for _stage, (known, _who, day, data) in FORWARD_ACTS.items():
        if known == act_name:
            return day, data
    for known, _who, day, data in ACTS_WITHIN["probation"]:
        if known == act_name:
            return day, data
    return EXTENSIONS.get(act_name, LATER), {}


def prepare_case(world, make_case, act_name):
    """A case of branch A1 on which `trigger` can be done with its known data."""
    table_act = definition.ACT_BY_NAME[act_name]
    case = make_case(setup_stage(table_act))
    if act_name == "reopen":
        operations.record_act(case.id, "refuse_admission", world["board"], date(2022, 1, 20), {},
                               reason="Chưa đủ tiêu chuẩn")
    if act_name in RECOGNITION or act_name == "extend_recognition_decision":  # the recognition acts before it
        before = RECOGNITION.index(act_name) if act_name in RECOGNITION else 2
        for earlier, who, day, data in ACTS_WITHIN["probation"][:before]:
            record_documents(world, case.id, earlier)
            operations.record_act(case.id, earlier, world["sec_a1" if who == "sec" else "com_a"], day, data)
    record_documents(world, case.id, act_name)
    return fresh(case.id)


def valid_form(world, table_act):
    day, data = known_act(table_act.name)
    form = {"effective_date": day.isoformat(), "version": VERSION}
    form |= {name: str(value) for name, value in with_ids(world, table_act.name, data).items()}
    if table_act.needs_reason:
        form["reason"] = REASON
    if table_act.confirm:
        form["confirmed"] = "y"
    return form


def bad_values(world, form_class):
    """A strategy of bad values for each field of the act's form, by the kind of field."""
    unit_ids = ids(world.town.id, world.commune_a.id, world.commune_b.id, world.branch_a1.id, world.branch_b1.id)
    found = {}
    for name in dir(form_class):
        unbound = getattr(form_class, name)
        if not isinstance(unbound, UnboundField):
            continue
        kind = unbound.field_class
        if issubclass(kind, HiddenField):
            found[name] = st.one_of(st.just(VERSION), integers)
        elif issubclass(kind, DateField):
            found[name] = dates
        elif issubclass(kind, IntegerField):
            found[name] = integers
        elif issubclass(kind, SelectField):
            found[name] = ids(world.training_class.id) if name == "class_id" else unit_ids
        elif issubclass(kind, BooleanField):
            found[name] = flags
        else:
            found[name] = texts
    return found


@pytest.mark.parametrize("act_name", [t.name for t in definition.MOVES])
def test_an_act_form_refuses_bad_input_cleanly(client, world, make_case, act_name):
    table_act = definition.ACT_BY_NAME[act_name]
    pages = logged_in(client, username_for(table_act))
    other_unit_case = make_case("spotted", branch=world.branch_b1, full_name="Trần Văn Khác")
    current = {"case": prepare_case(world, make_case, act_name)}
    form = pairs_of(valid_form(world, table_act), bad_values(world, act_form_class(table_act)))
    # Mostly the form itself; sometimes another unit's case, a missing or huge id, another act.
    which_case = mostly("own", st.sampled_from([str(other_unit_case.id), "999999", str(2**31), str(2**63),
                                                str(2**70)]))
    which_act = mostly(act_name, st.one_of(st.sampled_from([act.name for act in definition.MOVES]), texts))

    def attempt(example):
        case_choice, act, pairs = example
        case = current["case"]
        case_id = case.id if case_choice == "own" else case_choice
        pairs = [(name, str(case.version) if value is VERSION else value) for name, value in pairs]
        outcome = submit(pages, "POST", f"/candidates/{case_id}/act/{quote(act, safe='')}", pairs, ACT_WRITES)
        if outcome.changes:  # the act was done: the next example starts again from a prepared case
            current["case"] = prepare_case(world, make_case, act_name)
        return outcome

    # The valid form first, so that a success is checked as well as refusals (two acts cannot
    # succeed from this form: their certificate comes from the class's results).
    done = attempt(("own", act_name, valid_pairs(valid_form(world, table_act))))
    assert (done.status, bool(done.changes)) == ((422, False) if act_name in NEVER_DONE else (302, True)), done
    # Fewer examples per act than per other form: there are seventeen act forms, and a success
    # costs a new case walked through the workflow.
    explore(st.tuples(which_case, which_act, form), attempt, examples=max(1, EXAMPLES * 3 // 5))
