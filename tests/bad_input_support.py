"""Property-based checks of the pages against bad input (tests/test_bad_input*.py).

Each test logs in, then sends many generated submissions (Hypothesis) to one form or page and
checks every answer: never a 500; a refusal (4xx) shows a message; a refusal writes nothing at
all (rows, and files for scans); a success writes exactly the rows that act writes; every case's
log chain still verifies.

How Hypothesis meets the fixtures: the `@given` function is built inside the test (`explore`),
after the fixtures made the database, the world and the logged-in client. The examples of one
test share that database, as a user's successive submissions would; each example compares the
database with what it was just before it, and the test prepares what an example needs (a fresh
case when the last one moved on). So the function-scoped-fixture health check does not arise.

Runs are deterministic by default (CI); BAD_INPUT_EXAMPLES=200 BAD_INPUT_RANDOM=1 explores more,
and BAD_INPUT_STATS=1 (with -s) prints how the answers were spread ("302+": something written)."""
import html
import os
import re
import tempfile
import unicodedata
from collections import Counter
from datetime import date
from urllib.parse import urlencode

from hypothesis import HealthCheck, Phase, given, settings, strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from sqlalchemy import func, literal, select, union_all
from werkzeug.datastructures import MultiDict

from pages_support import Pages
from pipeline.extensions import db
from pipeline.workflow.models import LogEntry
from pipeline.workflow.log import verify_chain

# Hypothesis keeps caches in ./.hypothesis by default: not in the project's tree.
# One folder per pytest-xdist worker.
set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), "ketnap-hypothesis" + os.environ.get("PYTEST_XDIST_WORKER", "")))
EXAMPLES = int(os.environ.get("BAD_INPUT_EXAMPLES", "25"))
RANDOM = os.environ.get("BAD_INPUT_RANDOM") == "1"
STATS = os.environ.get("BAD_INPUT_STATS") == "1"  # print how the answers were spread (run with -s)
_answers = Counter()

# --- generated values -------------------------------------------------------------------------------

VIETNAMESE_NAMES = ("Phùng Tấn Thắng", "Nguyễn Thị Ánh Tuyết", "Đặng Văn Được", "Trương Thị Mỹ Hạnh", "Lê Hoàng Yến")


def nfd(text):
    return unicodedata.normalize("NFD", text)


vietnamese = st.sampled_from(VIETNAMESE_NAMES).flatmap(
    lambda name: st.sampled_from([name, nfd(name), name.upper(), f"  {nfd(name)}  "]))
controls = st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Co"])
with_controls = st.builds(lambda head, control, tail: head + control + tail, vietnamese, controls, st.text(max_size=5))
# 10,000 characters and more: a letter, a lone combining mark, a name repeated.
huge_text = st.sampled_from(["a", "Ư", "\u0301", " ", "ạ", "Nguyễn "]).map(
    lambda piece: piece * (10000 // len(piece) + 1))
# Other scripts: Hangul (folding once split each syllable into jamo and overflowed a column), CJK,
# Arabic with its marks, emoji with a skin tone, Greek.
other_scripts = st.sampled_from(["한" * 120, "김민준", "漢字" * 60, "مُحَمَّد", "👍🏽" * 30, "Ελληνικά"])
texts = st.one_of(vietnamese, st.text(max_size=40), with_controls, huge_text, other_scripts,
                  st.sampled_from(["", " ", "\t", "\x00"]))

plausible_dates = st.dates(min_value=date(2021, 1, 1), max_value=date(2023, 12, 31)).map(date.isoformat)
dates = st.one_of(
    plausible_dates,
    st.dates().map(date.isoformat),  # year 1 to 9999
    st.sampled_from(["0001-01-01", "9999-12-31", "2022-02-30", "2022-13-01", "0000-00-00", "99999-01-01",
                     "10/02/2022", "2022-2-1", "2022-02-10T08:00", "٢٠٢٢-٠٢-١٠", "-2022-01-01", ""]),
    texts)
integers = st.one_of(
    st.integers(0, 40).map(str),
    st.integers(-2**70, 2**70).map(str),
    st.sampled_from([str(2**31), str(2**31 - 1), str(2**63), str(2**63 - 1), str(-2**63 - 1), "-1", "-0", "+5",
                     " 7 ", "٣", "1_000", "0x1F", "1e3", "NaN", "inf", "3.5", ""]),
    texts)
flags = st.one_of(st.sampled_from(["y", "on", "1", "", "false", "0", "n"]), texts)


def ids(*known):
    """Ids of rows: those given (the user's own, another unit's, ...), or any number or text."""
    return st.one_of(st.sampled_from([str(i) for i in known]), integers) if known else integers


VERSION = object()  # in generated form data: the case's version at the time of the submission


def mostly(usual, otherwise, share=8):
    """`usual` about `share` times in ten, else a value of `otherwise` (Hypothesis' one_of has no weights)."""
    return st.integers(0, 9).flatmap(lambda k: st.just(usual) if k < share else otherwise)


# --- forms ------------------------------------------------------------------------------------------

EXTRA_NAMES = ("stage", "version", "id", "candidate_id", "branch_id", "actor_id", "unit_id", "csrf_token",
               "rows-0-result", "rows-99999999999999999999-result", "rows--1-enrolment_id", "case_ids")


def valid_pairs(valid):
    return [(name, value) for name in sorted(valid)
            for value in (valid[name] if isinstance(valid[name], (list, tuple)) else [valid[name]])]


def pairs_of(valid, bad):
    """Form data as (name, value) pairs, so that a field may be missing or sent twice:
    - the valid form with one field spoiled: a bad value, missing, or sent twice (valid and bad,
      in either order);
    - every field bad, missing, doubled or valid.
    (The valid form itself is `valid_pairs(valid)`: the tests send it once, explicitly.)
    `valid`: name -> value or list of values (a multiple choice); `bad`: name -> strategy."""
    names = sorted(set(valid) | set(bad))

    def as_pairs(values):
        return [(name, value) for name in names for value in values.get(name, [])]

    def listed(value):
        return list(value) if isinstance(value, (list, tuple)) else [value]

    good = {name: listed(value) for name, value in valid.items()}

    def spoil(name):
        strategy = bad.get(name, texts)
        return st.one_of(
            strategy.map(lambda value: [value]),
            st.just([]),
            strategy.map(lambda value: good.get(name, []) + [value]),
            strategy.map(lambda value: [value] + good.get(name, [])),
        ).map(lambda values: as_pairs(good | {name: values}))

    one_spoiled = st.sampled_from(names).flatmap(spoil)

    def any_values(name):
        strategy = bad.get(name, texts)
        return st.one_of(strategy.map(lambda v: [v]), st.just([]), st.lists(strategy, min_size=2, max_size=3),
                         st.just(good.get(name, [])))

    all_bad = st.tuples(*[any_values(name) for name in names]).map(lambda lists: as_pairs(dict(zip(names, lists))))
    # Fields the form does not have, some named like columns it must not let a user set.
    extra = st.lists(st.tuples(st.one_of(st.sampled_from(EXTRA_NAMES), texts), st.one_of(integers, texts)),
                     max_size=3)
    return st.tuples(st.one_of(one_spoiled, one_spoiled, all_bad), mostly([], extra)).map(lambda p: p[0] + p[1])


# --- the database before and after --------------------------------------------------------------------

# Rebuilt from the log with every act: their rows follow the acts and are not counted.
DERIVED = {"case_deadline", "case_snapshot"}
# The tables these forms write, compared row by row: a refusal must leave them exactly as they were.
WATCHED = ("candidate", "case_event", "dossier_item", "enrolment", "training_class", "quota", "quota_change",
           "calendar_override", "unit", "user_account", "recovery_code")


def snapshot():
    tables = {t.name: t for t in db.metadata.sorted_tables}
    counted = [name for name in tables if name not in DERIVED]
    # Every table's count in one statement.
    counts = dict(db.session.execute(union_all(*[
        select(literal(name).label("name"), func.count().label("rows")).select_from(tables[name])
        for name in counted])).all())
    rows = {name: db.session.execute(select(tables[name]).order_by(*tables[name].primary_key.columns)).all()
            for name in WATCHED if name in tables}
    db.session.rollback()
    return counts, rows


def count_changes(before, after):
    return {name: after[0][name] - before[0][name] for name in after[0] if after[0][name] != before[0][name]}


def chains_verify():
    rows = db.session.execute(select(LogEntry).order_by(LogEntry.case_id, LogEntry.seq)).scalars().all()
    by_case = {}
    for row in rows:
        by_case.setdefault(row.case_id, []).append(row)
    broken = [case_id for case_id, events in by_case.items() if verify_chain(events) is not None]
    db.session.rollback()
    return broken


def page_text(response):
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def shows_a_message(response):
    """A refusal says why: a field's error, an alert, or the error page's explanation. A banner
    asking to correct "the fields marked below" must come with a marked field."""
    page = response.get_data(as_text=True)
    if 'id="form-errors"' in page and 'class="invalid-feedback' not in page:
        return False
    return any(marker in page for marker in ('class="invalid-feedback', 'role="alert"', 'id="refused"',
                                             '<p class="text-body-secondary mb-1">'))


def stored_text_problems():
    """Text the forms wrote that no form should let through: control characters (but line breaks
    and tabs) in the cases and the log."""
    found = []
    for (name, *particulars) in db.session.execute(select(
            db.metadata.tables["candidate"].c.full_name, db.metadata.tables["candidate"].c.occupation,
            db.metadata.tables["candidate"].c.residence, db.metadata.tables["candidate"].c.helper_member)):
        for value in [name, *particulars]:
            if value and _has_controls(value):
                found.append(value)
    for reason, data in db.session.execute(select(LogEntry.reason, LogEntry.data)):
        for value in [reason, *_strings(data)]:
            if value and _has_controls(value):
                found.append(value)
    db.session.rollback()
    return found


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _has_controls(text):
    return any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in text)


# --- running the examples -----------------------------------------------------------------------------

class Outcome:
    def __init__(self, response, changes):
        self.response, self.changes = response, changes
        self.status = response.status_code

    def __repr__(self):
        return f"<{self.status} {self.changes} {page_text(self.response)[:300]!r}>"


def explore(strategy, attempt, examples=None):
    """Run `attempt(value)` for generated values: Hypothesis inside the test (see the module's
    docstring)."""
    @settings(max_examples=examples or EXAMPLES, deadline=None, database=None, derandomize=not RANDOM,
              phases=(Phase.explicit, Phase.generate, Phase.shrink), report_multiple_bugs=False,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.filter_too_much, HealthCheck.large_base_example])
    @given(strategy)
    def run(value):
        attempt(value)

    _answers.clear()
    run()
    if STATS:
        print(f"\n{os.environ.get('PYTEST_CURRENT_TEST', '')}: {dict(sorted(_answers.items()))}")


def submit(pages, method, path, pairs=(), expected=(), files_of=None):
    """Send one request and check the answer; returns the Outcome. `pairs`: the query string of a
    GET, the form of a POST (a value may be a (file, name) upload). `expected`: the row-count
    changes a success may make (each a dict table -> difference), besides none at all.
    `files_of()`: the files a refusal must not leave behind."""
    before = snapshot()
    files_before = files_of() if files_of else None
    if method == "GET":
        response = pages.get(path, query_string=urlencode(list(pairs)))
    else:
        response = pages.post(path, data=MultiDict(list(pairs)))
    body = response.get_data()  # a streamed export is read to its end: an error inside it fails here
    after = snapshot()
    outcome = Outcome(response, count_changes(before, after))
    _answers[f"{outcome.status}{'+' if outcome.changes else ''}"] += 1
    assert outcome.status < 500, outcome
    if outcome.status >= 400:
        assert body and shows_a_message(response), outcome
    if outcome.status >= 400 or method == "GET":
        # A page of personal data served records its read (pipeline/readlog): that row, nothing else.
        read = {"read_log": 1} if method == "GET" and outcome.status < 400 else {}
        assert outcome.changes in ({}, read) and after[1] == before[1], \
            f"a refusal wrote something: {outcome.changes} {outcome}"
        if files_of:
            assert files_of() == files_before, f"a refusal left files behind: {outcome}"
    elif outcome.changes:
        assert _matches(outcome.changes, expected), f"unexpected rows written: {outcome.changes} {outcome}"
    if outcome.status in (301, 302, 303):  # and the page it leads to shows
        following = pages.get(response.headers["Location"])
        following.get_data()
        assert following.status_code < 500, outcome
    if outcome.changes not in ({}, {"read_log": 1}):
        # What the answer wrote: the chains still verify and no control character got through.
        # (Nothing else written: the watched rows, the log and the cases among them, were compared
        # equal above.)
        assert chains_verify() == [], outcome
        assert stored_text_problems() == [], outcome
    return outcome


def _matches(changes, expected):
    """`expected`: dicts of exact differences, or a function of the changes."""
    return expected(changes) if callable(expected) else changes in list(expected)


def logged_in(client, username):
    pages = Pages(client)
    assert pages.login(username).status_code == 200
    return pages
