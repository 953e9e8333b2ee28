"""The demo's dossiers (DOMAIN.md §4): the documents each branch records on the dossier page
before the acts that need them, as "record_document" acts in the plans.

The story (`pipeline.demo.story`) draws what a completed dossier says: the introducing members
and since when they know the candidate, the Youth Union's resolution, the résumé verification.
`add_documents` turns that into dated documents placed before the act that needs them, with
dates in the months before it (so none is stale when the branch votes):

- every completed dossier: 1-KNĐ, 2-KNĐ, the verification, one 3-KNĐ per introducer, 4-KNĐ on
  the Youth Union path, 5-KNĐ; a dossier completed again after a failed vote reuses them;
- a dossier opened and never completed (stuck, or left): some of 1-, 2- and 5-KNĐ;
- a recognised member: the new-member course certificate, 10-, 11- and 12-KNĐ before the
  branch's recognition vote; a member on probation for months: the course certificate.

It draws from its own random stream, so the rest of the story is the same with or without it.
"""
import random
import re
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta

DOCUMENT_ACT = "record_document"
WINDOW_DAYS = 120  # documents are gathered in the last months before the dossier is complete
YOUTH_RESOLUTION = re.compile(r"Nghị quyết số (\S+) ngày (\d{2}/\d{2}/\d{4})")
OPENING_ACTS = ("complete_training", "resume_dossier")
LEAVING_ACTS = ("withdraw", "remove_from_pool", "expire")


def _document(act_class, key, day, details=None, note=""):
    return act_class(DOCUMENT_ACT, day, {"key": key, "received": True, "received_on": day, "note": note,
                                  "details": details or {}})


def _weekday_before(day, floor):
    """The office day on or before `day`, not before `floor`."""
    while day.weekday() >= 5 and day - timedelta(days=1) >= floor:
        day -= timedelta(days=1)
    return day


def _days_between(rng, start, end, count):
    """`count` sorted office days in [start, end]."""
    span = max(0, (end - start).days)
    return sorted(_weekday_before(start + timedelta(days=rng.randint(0, span)), start) for _ in range(count))


def _admission_documents(act_class, rng, data, opened, completed):
    """The documents of a completed dossier, from what the story drew for it."""
    start = max(opened + timedelta(days=1), completed - timedelta(days=WINDOW_DAYS))
    end = completed - timedelta(days=1) if completed - timedelta(days=1) >= start else start
    introducers = data.get("introducers") or []
    days = _days_between(rng, start, end, 4 + len(introducers))
    documents = [_document(act_class, "1-KNĐ", days[0]), _document(act_class, "2-KNĐ", days[1])]
    for n, person in enumerate(introducers, start=1):
        known_since = person["known_since"]
        documents.append(_document(act_class, f"3-KNĐ:{n}", days[1 + n], {
            "introducer_name": person["name"], "official": person.get("official", True),
            "known_since": known_since.isoformat() if isinstance(known_since, date) else known_since}))
    resolution = data.get("youth_union_resolution") or ""
    match = YOUTH_RESOLUTION.search(resolution)
    if match:
        passed = datetime.strptime(match.group(2), "%d/%m/%Y").date()
        documents.append(_document(act_class, "4-KNĐ", min(passed, completed), {"number": match.group(1)},
                                   note=resolution))
    documents.append(_document(act_class, "5-KNĐ", days[-2]))
    documents.append(_document(act_class, "TTLL", days[-1], {"verification_result": "clear"},
                               note=data.get("resume_verification_note") or ""))
    return sorted(documents, key=lambda act: act.day)


def _unfinished_documents(act_class, rng, opened, until):
    """A dossier opened and not completed: its first documents, as far as the branch got."""
    keys = ["1-KNĐ", "2-KNĐ", "5-KNĐ"]
    count = rng.randint(0, len(keys))
    start = opened + timedelta(days=3)
    if count == 0 or start > until:
        return []
    return [_document(act_class, key, day) for key, day in zip(keys, _days_between(rng, start, until, count))]


def _recognition_documents(act_class, rng, ceremony, meeting):
    course = _weekday_before(ceremony + timedelta(days=rng.randint(60, 150)), ceremony)
    course = min(course, meeting - timedelta(days=20))
    return [
        _document(act_class, "CN-ĐVM", course, {"number": f"{rng.randint(20, 400)}/CN-ĐVM"}),
        _document(act_class, "10-KNĐ", meeting - timedelta(days=rng.randint(12, 18))),
        _document(act_class, "11-KNĐ", meeting - timedelta(days=rng.randint(8, 11))),
        _document(act_class, "12-KNĐ", meeting - timedelta(days=rng.randint(3, 7))),
    ]


def add_documents(plans, act_class, seed, last_day):
    """Insert the documents into each plan's acts, in place (see the module's docstring); none
    after `last_day`, where the story's acts stop."""
    rng = random.Random(seed + 7)
    for plan in plans:
        acts, opened, recorded, ceremony = [], None, False, None
        for index, act in enumerate(plan.acts):
            following = plan.acts[index + 1] if index + 1 < len(plan.acts) else None
            if act.name == "complete_dossier":
                if not recorded:
                    acts += _admission_documents(act_class, rng, act.data, opened or act.day, act.day)
                    recorded = True
                act.data = {}  # the documents say it: the act itself records only its date
            elif act.name == "record_recognition_vote" and ceremony:
                acts += _recognition_documents(act_class, rng, ceremony, act.day)
            acts.append(act)
            if act.name in OPENING_ACTS:
                opened = act.day
                if not recorded and (following is None or following.name in LEAVING_ACTS):
                    until = min(last_day, following.day - timedelta(days=1)) if following else last_day
                    acts += _unfinished_documents(act_class, rng, opened, until)
            if act.name == "hold_ceremony":
                ceremony = act.day
                votes = [a for a in plan.acts if a.name == "record_recognition_vote"]
                course = ceremony + relativedelta(months=5)
                if not votes and course <= last_day and rng.random() < 0.7:
                    until = min(last_day, following.day - timedelta(days=1)) if following else last_day
                    day = _weekday_before(ceremony + timedelta(days=rng.randint(60, 150)), ceremony)
                    if day <= until:
                        acts.append(_document(act_class, "CN-ĐVM", day, {"number": f"{rng.randint(20, 400)}/CN-ĐVM"}))
        plan.acts = acts
    return plans
