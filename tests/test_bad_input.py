"""The forms other than the act forms (tests/test_bad_input_acts.py) against bad input: opening a
case, a dossier item with its scan, the training pages (a new class, enrolling, results), a
ceremony day, the working-day calendar, the quotas. Random unicode, NFD Vietnamese, control
characters, 10,000-character texts, dates out of range, negative and huge numbers, missing and
doubled fields, ids of other units. Never a 500, a refusal says why and writes nothing, a
success writes exactly its rows (see bad_input_support)."""
import io
import os
from urllib.parse import quote, urlencode

import pytest
from hypothesis import strategies as st

from bad_input_support import (VERSION, dates, explore, flags, ids, integers, logged_in, mostly, pairs_of, submit,
                               texts, valid_pairs)
from conftest import fresh
from pipeline.cases.models import EDUCATION_LEVELS, SEXES, SOURCE_ORGANISATIONS
from pipeline.workflow.checklist import VERIFICATION_RESULTS
from pipeline.training.operations import latest_enrolment


def choices(*valid):
    return st.one_of(st.sampled_from(list(valid)), texts)


def with_version(pairs, version):
    return [(name, str(version) if value is VERSION else value) for name, value in pairs]


# --- opening a case ---------------------------------------------------------------------------------

NEW_CASE = {"full_name": "Phùng Tấn Thắng", "date_of_birth": "1998-05-20", "sex": "male", "ethnicity": "Kinh",
            "education": "upper_secondary", "occupation": "Nông dân", "residence": "Thôn 1",
            "youth_union_member": "y", "source_organisation": "youth_union", "helper_member": "Lê Văn Giúp",
            "effective_date": "2022-03-01"}


@pytest.mark.parametrize("username", ["sec_a1", "com_a"])
def test_opening_a_case(client, world, username):
    pages = logged_in(client, username)
    valid = NEW_CASE | ({"branch_id": str(world.branch_a2.id)} if username == "com_a" else {})
    bad = {"branch_id": ids(world.branch_a1.id, world.branch_a2.id, world.branch_b1.id, world.town.id),
           "full_name": texts, "date_of_birth": dates, "sex": choices(*SEXES), "ethnicity": texts,
           "education": choices(*EDUCATION_LEVELS), "occupation": texts, "residence": texts,
           "youth_union_member": flags, "source_organisation": choices(*SOURCE_ORGANISATIONS),
           "helper_member": texts, "effective_date": dates}
    opened = [{"candidate": 1, "case_event": 1}]

    def attempt(pairs):
        return submit(pages, "POST", "/candidates/new", pairs, opened)

    assert attempt(valid_pairs(valid)).changes == opened[0]
    explore(pairs_of(valid, bad), attempt)


# --- a dossier item and its scan ----------------------------------------------------------------------

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n%%EOF\n"
SCAN_LIMIT = 2048  # bytes, for this test: a scan over it is refused, and far over it cut off (413)
contents = st.one_of(
    st.just(PDF), st.just(b"\x89PNG\r\n\x1a\n" + bytes(40)), st.just(b"\xff\xd8\xff\xe0" + bytes(40)),
    st.binary(max_size=80), st.just(b""), st.just(PDF + bytes(SCAN_LIMIT)), st.just(PDF + bytes(70 * 1024)))
file_names = st.one_of(
    st.sampled_from(["scan.pdf", "anh.png", "anh.JPG", "../../../etc/passwd.pdf", "C:\\Hồ sơ\\đơn.pdf",
                     "\x00.pdf", "đơn xin vào Đảng.pdf", ""]),
    texts.map(lambda name: name + ".pdf"), texts)
scans = st.one_of(st.none(), st.tuples(contents, file_names))
KEYS = ("1-KNĐ", "2-KNĐ", "3-KNĐ:1", "3-KNĐ:2", "5-KNĐ", "TTLL", "4-KNĐ", "7-KNĐ", "CN-ĐVM", "10-KNĐ")


def uploaded_files(app):
    root = os.path.join(app.instance_path, "uploads")
    return sorted(os.path.join(folder, name) for folder, _dirs, names in os.walk(root) for name in names)


def test_recording_a_dossier_item(app, client, world, make_case):
    app.config["DOSSIER_UPLOAD_MAX_BYTES"] = SCAN_LIMIT
    pages = logged_in(client, "sec_a1")
    case = make_case("dossier")
    other = make_case("dossier", branch=world.branch_b1, full_name="Trần Văn Khác")
    valid = {"received": "y", "received_on": "2021-09-20", "number": "01/ĐXVĐ", "note": "Bản gốc",
             "version": VERSION}
    bad = {"received": flags, "received_on": dates, "number": texts, "introducer_name": texts,
           "official": flags, "known_since": dates, "verification_result": choices(*VERIFICATION_RESULTS),
           "note": texts, "version": st.one_of(st.just(VERSION), integers)}
    keys = mostly("1-KNĐ", st.one_of(st.sampled_from(KEYS), texts), share=7)
    which_case = mostly(case.id, st.sampled_from([other.id, 999999]))
    recorded = [{"case_event": 1}, {"case_event": 1, "dossier_item": 1}]

    def attempt(example):
        case_id, key, pairs, scan = example
        pairs = with_version(pairs, fresh(case.id).version)
        if scan is not None:
            pairs.append(("scan", (io.BytesIO(scan[0]), scan[1])))
        return submit(pages, "POST", f"/candidates/{case_id}/dossier/{quote(key, safe='')}", pairs, recorded,
                      files_of=lambda: uploaded_files(app))

    done = attempt((case.id, "1-KNĐ", valid_pairs(valid), (PDF, "đơn.pdf")))
    assert done.changes == recorded[1] and len(uploaded_files(app)) == 1
    explore(st.tuples(which_case, keys, pairs_of(valid, bad), scans), attempt)


# --- training: a new class, enrolling, results -----------------------------------------------------

NEW_CLASS = {"name": "Lớp bồi dưỡng 2/2022", "organiser_unit_id": None, "organiser_name": "Trung tâm Chính trị",
             "place": "Hội trường", "starts_on": "2022-05-01", "ends_on": "2022-05-10"}


def test_creating_a_training_class(client, world):
    pages = logged_in(client, "board")
    valid = NEW_CLASS | {"organiser_unit_id": str(world.town.id)}
    bad = {"name": texts, "organiser_unit_id": ids(world.town.id, world.commune_a.id, world.branch_b1.id),
           "organiser_name": texts, "place": texts, "starts_on": dates, "ends_on": dates}
    created = [{"training_class": 1}]

    def attempt(pairs):
        return submit(pages, "POST", "/training/new", pairs, created)

    assert attempt(valid_pairs(valid)).changes == created[0]
    explore(pairs_of(valid, bad), attempt)


def test_enrolling_a_selection(client, world, make_case):
    pages = logged_in(client, "sec_a1")
    pool = [make_case("spotted", full_name=name).id for name in ("Lê Văn An", "Trần Thị Bình")]
    others = [make_case("spotted", branch=world.branch_b1, full_name="Trần Văn Khác").id,
              make_case("training", full_name="Ngô Văn Đã Học").id]

    def enrolled(changes):
        return set(changes) == {"case_event", "enrolment"} and 1 <= changes["case_event"] == changes["enrolment"]

    def attempt(example):
        class_id, pairs = example
        # "POOL-0", "POOL-1": the cases in the pool now (an enrolled case leaves it, another comes).
        pairs = [(name, str(pool[int(value[-1])]) if value in ("POOL-0", "POOL-1") else value)
                 for name, value in pairs]
        outcome = submit(pages, "POST", f"/training/{class_id}/enrol", pairs, enrolled)
        for i, case_id in enumerate(pool):
            if fresh(case_id).stage != "spotted":
                pool[i] = make_case("spotted", full_name="Phan Văn Mới").id
        return outcome

    valid = {"enrolled_on": "2021-09-01", "case_ids": ["POOL-0"]}
    assert attempt((world.training_class.id, valid_pairs(valid))).changes == {"case_event": 1, "enrolment": 1}
    case_ids = st.one_of(st.sampled_from(["POOL-0", "POOL-1"]), ids(*others))
    bad = {"enrolled_on": dates, "case_ids": case_ids}
    more_ids = mostly([], st.lists(case_ids, max_size=3), share=6)
    form = st.tuples(pairs_of(valid | {"case_ids": ["POOL-0", "POOL-1"]}, bad), more_ids)
    which_class = mostly(world.training_class.id, st.sampled_from([999999, 2**31 - 1]))
    explore(st.tuples(which_class, form.map(lambda f: f[0] + [("case_ids", i) for i in f[1]])), attempt)


def test_recording_a_class_results(client, world, make_case):
    pages = logged_in(client, "board")
    attendees = [make_case("training", full_name=name).id for name in ("Lê Văn An", "Trần Thị Bình")]
    other_class_case = make_case("spotted", full_name="Ngô Văn Ngoài").id

    def rows(enrolment_ids, results, numbers, days):
        return [pair for i, (e, r, n, d) in enumerate(zip(enrolment_ids, results, numbers, days))
                for pair in ((f"rows-{i}-enrolment_id", e), (f"rows-{i}-result", r),
                             (f"rows-{i}-certificate_number", n), (f"rows-{i}-certificate_date", d))]

    def attempt(pairs):
        outcome = submit(pages, "POST", f"/training/{world.training_class.id}/results", pairs,
                         lambda changes: set(changes) == {"case_event"} and changes["case_event"] >= 1)
        for i, case_id in enumerate(attendees):  # a certificate moves the case on: another attends
            if fresh(case_id).stage != "training":
                attendees[i] = make_case("training", full_name="Phan Văn Mới").id
        return outcome

    def current_rows():
        return [latest_enrolment(case_id).id for case_id in attendees]

    first = current_rows()
    done = attempt([("results_on", "2021-09-10")] + rows(first, ["passed", "failed"], ["CN-099", ""],
                                                          ["2021-09-15", ""]))
    assert done.changes == {"case_event": 2}
    # Mostly plausible rows (so that some are recorded), with bad values among them.
    enrolment_ids = mostly("ATTENDEE-0", st.one_of(st.just("ATTENDEE-1"), ids(other_class_case, 999999)), share=6)
    row = st.tuples(enrolment_ids, mostly("passed", choices("passed", "failed", "absent", ""), share=5),
                    mostly("", st.one_of(st.integers(100, 99999).map(lambda n: f"CN-{n}"), texts), share=4),
                    mostly("", st.one_of(st.just("2021-09-15"), dates), share=4))
    form = st.tuples(mostly("2021-09-10", dates, share=6), st.lists(row, max_size=3), mostly([], st.lists(st.tuples(
        st.sampled_from(["rows-0-result", "rows-5-enrolment_id", "rows-99999999999999999999-result",
                         "rows--1-result", "rows-x-result", "rows-0-0-result", "results_on"]),
        st.one_of(integers, texts)), max_size=2), share=6))

    def build(example):
        results_on, lines, extra = example
        ids_now = current_rows()
        resolved = [(str(ids_now[int(e[-1])]) if e.startswith("ATTENDEE-") else e, r, n, d) for e, r, n, d in lines]
        return [("results_on", results_on)] + (rows(*zip(*resolved)) if resolved else []) + extra

    explore(form, lambda example: attempt(build(example)))


# --- a ceremony day ----------------------------------------------------------------------------------

def test_a_ceremony_day(client, world, make_case):
    pages = logged_in(client, "sec_a1")
    waiting = [make_case("ceremony", full_name="Lê Văn An").id]
    others = [make_case("ceremony", branch=world.branch_b1, full_name="Trần Văn Khác").id,
              make_case("decision", full_name="Ngô Văn Chưa").id]

    def held(changes):
        return set(changes) == {"case_event"} and changes["case_event"] >= 1

    def attempt(example):
        unit_id, pairs = example
        # "WAITING": the case waiting for its ceremony now (once held, another comes).
        pairs = [(name, str(waiting[0]) if value == "WAITING" else value) for name, value in pairs]
        outcome = submit(pages, "POST", f"/ceremony-day/{unit_id}", pairs, held)
        if fresh(waiting[0]).stage != "ceremony":
            waiting[0] = make_case("ceremony", full_name="Phan Văn Mới").id
        return outcome

    valid = {"effective_date": "2022-02-10", "place": "Hội trường thôn", "confirmed": "y", "case_ids": ["WAITING"]}
    assert attempt((world.branch_a1.id, valid_pairs(valid))).changes == {"case_event": 1}
    bad = {"effective_date": dates, "place": texts, "confirmed": flags,
           "case_ids": st.one_of(st.just("WAITING"), ids(*others))}
    more_ids = mostly([], st.lists(st.one_of(st.just("WAITING"), ids(*others)), max_size=3), share=6)
    which_unit = mostly(world.branch_a1.id, st.sampled_from([world.branch_b1.id, world.town.id, 999999]))
    form = st.tuples(pairs_of(valid, bad), more_ids).map(lambda f: f[0] + [("case_ids", i) for i in f[1]])
    explore(st.tuples(which_unit, form), attempt)


# --- the working-day calendar -------------------------------------------------------------------------

def test_changing_the_calendar(client, world):
    pages = logged_in(client, "admin")
    valid = {"day": "2022-01-08", "kind": "working", "note": "Làm bù cho ngày 3/1"}  # a Saturday
    bad = {"day": dates, "kind": choices("working", "off"), "note": texts}
    changed = [{"calendar_override": 1}, {"calendar_override": -1}]

    def attempt(example):
        action, override_id, pairs = example
        if action == "add":
            return submit(pages, "POST", "/admin/calendar", pairs, changed)
        return submit(pages, "POST", f"/admin/calendar/{override_id}/delete", pairs, changed)

    assert attempt(("add", None, valid_pairs(valid))).changes == changed[0]
    explore(st.tuples(mostly("add", st.just("delete"), share=7), ids(1, 2, 3, 999999), pairs_of(valid, bad)), attempt)


# --- quotas -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["board", "com_a"])
def test_setting_a_quota(client, world, username):
    pages = logged_in(client, username)
    own = world.town if username == "board" else world.commune_a
    below = world.commune_a if username == "board" else world.branch_a1
    valid = {"unit_id": str(below.id), "year": "2022", "minimum": "6", "maximum": "8"}
    bad = {"unit_id": ids(own.id, below.id, world.commune_b.id, world.branch_b1.id),
           "year": integers, "minimum": integers, "maximum": integers}
    set_ = [{"quota_change": 1, "quota": 1}, {"quota_change": 1}]

    def attempt(example):
        unit, pairs = example
        return submit(pages, "POST", "/quotas/?" + urlencode({"unit": unit}), pairs, set_)

    assert attempt((own.id, valid_pairs(valid))).changes == set_[0]
    which_unit = mostly(own.id, st.one_of(ids(below.id, world.commune_b.id), st.just("")))
    explore(st.tuples(which_unit, pairs_of(valid, bad)), attempt)
