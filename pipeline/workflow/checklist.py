"""The dossier checklist of a case (DOMAIN.md §4): which documents it needs, derived from the
rulebook in force and the case (Youth Union path, Trade Union path or two introducers; with or
without a sub-committee level), merged with what its log says was recorded (the case's state).

This is the one definition the case page, the dossier page, the guards and the printout read:
`checklist_for` builds the lines, `missing_for` says why an act cannot be recorded yet, and
`stale_reasons` why the branch cannot vote. They cannot disagree because they share the lines.

Documents that are themselves the record of an act (the training certificate, the branch and
committee resolutions, the decisions) are not typed twice: they count as received when the log
holds the act, with its date and number. A dossier item may still add a note or a scan to them.
"""
from dataclasses import dataclass, field
from functools import cache
from datetime import date

from dateutil.relativedelta import relativedelta
from pipeline.base.glosses import glossing
from pipeline.base.i18n import lazy_gettext as _l

from pipeline.rules.rulebook import load_rulebooks, rulebook_on
from pipeline.base.formatting import format_day

# The act at which the staleness of documents is judged (the rule: "when the branch votes").
STALENESS_JUDGED_AT = "record_branch_vote"


@cache
def acts_as_documents():
    """The acts that are themselves an item of some rulebook's checklist (`from_act`), and the
    act at which staleness is judged: the entries a state keeps for the checklist."""
    return frozenset(spec.from_act for book in load_rulebooks() for spec in book.documents
                     if spec.from_act) | {STALENESS_JUDGED_AT}
PATHS = ("youth", "trade_union", "two_members")
VERIFICATION_RESULTS = {"clear": _l("Clear: the résumé is verified"),
                        "issues": _l("Problems found")}


@dataclass(frozen=True)
class ChecklistFile:
    name: str
    type: str
    size: int


@dataclass
class ChecklistLine:
    key: str  # the DossierItem's item_key ("1-KNĐ", "3-KNĐ:2", "TTLL")
    code: str  # the form code
    name: str  # the official name (Vietnamese)
    phase: str  # admission | recognition
    required: bool  # this case needs it (its path, its levels)
    received: bool
    received_on: date | None
    note: str = ""
    recorded_by: str | None = None  # display name of who recorded it
    details: dict = field(default_factory=dict)
    stale: bool = False
    stale_reason: object = None
    file: ChecklistFile | None = None
    # Beyond the brief's fields:
    gloss: str = ""  # what it is, in English
    kind: str = "document"  # document | introducer | verification
    due_by: str = ""  # the act that needs it
    optional: bool = False  # offered, not required (4A-KNĐ: choosing the Trade Union path)
    from_act: str | None = None  # received from the log when this act is recorded
    number: str | None = None  # the document's number
    ordinal: int | None = None  # 1, 2 for repeated items (introducers)
    recorded_at: object = None
    problems: list = field(default_factory=list)  # what is wrong with a received item, on the date judged
    citation: str = ""
    confirmed: bool = True

    @property
    def label(self):
        """Code and name, as the reasons and the printout name the item; in another language
        than Vietnamese, with what it is in English beside the official title."""
        text = f"{self.code} {self.name}"
        text = f"{text} ({self.ordinal})" if self.ordinal else text
        return f"{text} — {self.gloss}" if self.gloss and glossing() else text

    @property
    def from_log(self):
        return self.from_act is not None

    @property
    def editable(self):
        """Whether typing "received" makes sense (documents from acts come from the log)."""
        return not self.from_log


def _iso(value):
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return value if isinstance(value, date) else None


def under_subcommittee(branch):
    """The branch sits under a đảng ủy bộ phận, whose appraisal (7-KNĐ) its cases then need."""
    parent = branch.parent
    return parent is not None and parent.kind == "subcommittee"


def in_youth_age(case, book, on_date):
    """The Youth Union introduces only a candidate of youth age (Điều lệ Đảng, Điều 4: "trong độ
    tuổi thanh niên"; the Youth Union's own charter: 16 to 30): full years on the day judged."""
    return relativedelta(on_date, case.date_of_birth).years <= book["youth_path_max_age_years"]


def path_of(case, state, book, on_date):
    """Youth Union path (4-KNĐ + one member) for a Youth Union member of youth age on `on_date`,
    Trade Union path (4A-KNĐ received + one member, where there is no Youth Union), else two
    introducing members: a Youth Union member past the youth age needs two."""
    if case.youth_union_member and in_youth_age(case, book, on_date):
        return "youth"
    chosen = state.documents.get("4A-KNĐ")
    if chosen is not None and chosen.received:
        return "trade_union"
    return "two_members"


def _applies(spec, path, subcommittee):
    """(required, offered) for this case."""
    if spec.applies == "always":
        return True, True
    if spec.applies == "youth_path":
        return path == "youth", path == "youth"
    if spec.applies == "trade_union_path":
        return path == "trade_union", path != "youth"
    if spec.applies == "subcommittee":
        return subcommittee, subcommittee
    return False, False


def _introducers_needed(book, path):
    return book["introducers_required_youth_path"] if path in ("youth", "trade_union") else book["introducers_required"]


def _items(case, state, book, on_date):
    """(spec, key, ordinal, required, optional) for each item `book` lists for the case, in its
    order: the case's path (on `on_date`) and levels say which are required, introducers are numbered."""
    by_key = state.documents
    path = path_of(case, state, book, on_date)
    subcommittee = under_subcommittee(case.branch)
    for spec in book.documents:
        required, offered = _applies(spec, path, subcommittee)
        if spec.repeat == "introducers":
            needed = _introducers_needed(book, path) if required else 0
            recorded = sorted((int(k.split(":", 1)[1]) for k in by_key
                               if k.startswith(spec.key + ":") and k.split(":", 1)[1].isdigit()))
            ordinals = sorted(set(range(1, needed + 1)) | set(recorded))
            keys = [(f"{spec.key}:{n}", n, n <= needed) for n in ordinals]
        else:
            keys = [(spec.key, None, required)] if (offered or spec.key in by_key) else []
        for key, ordinal, line_required in keys:
            yield (spec, key, ordinal, line_required and required,
                   offered and not required and spec.applies == "trade_union_path")


def checklist_for(case, state, on_date):
    """The case's checklist under the rulebook in force on `on_date`, judged on that date.

    `case` is the case row (the candidate's particulars, the branch and its place in the tree),
    `state` what its log replays to (the documents received, the acts recorded). Lines come in
    the rulebook's order; items recorded that the case no longer needs (another path, an older
    rulebook) are kept, marked not required."""
    book = rulebook_on(on_date)
    by_key = state.documents
    acts = state.acts_on_record
    lines, seen = [], set()
    for spec, key, ordinal, required, optional in _items(case, state, book, on_date):
        seen.add(key)
        lines.append(_line(spec, key, ordinal, required, optional, by_key.get(key),
                           acts.get(spec.from_act) if spec.from_act else None))
    for key, item in by_key.items():  # recorded under a rulebook that named it differently
        if key not in seen:
            lines.append(_line(None, key, None, False, False, item, None))
    _judge(lines, book, on_date, STALENESS_JUDGED_AT in acts)
    return lines


def staleness_lines(case, state, on_date):
    """The lines of the received documents that go stale (the rulebook's `stale`), as the
    checklist lists them but not judged: what the deadline of the branch vote counts from,
    without building the whole checklist."""
    return [_line(spec, key, ordinal, required, optional, state.documents[key], None)
            for spec, key, ordinal, required, optional in _items(case, state, rulebook_on(on_date), on_date)
            if spec.stale and key in state.documents]


def _line(spec, key, ordinal, required, optional, item, act_row):
    """A line of the checklist: the rulebook's `spec`, the document's state `item` and the log
    entry `act_row` of the act that is itself the document, where these exist."""
    line = ChecklistLine(
        key=key, code=spec.code if spec else key.split(":")[0], name=spec.name if spec else key,
        phase=spec.phase if spec else "admission", required=required, received=False, received_on=None,
        gloss=spec.gloss if spec else "", kind=spec.kind if spec else "document",
        due_by=spec.due_by if spec else "", optional=optional, from_act=spec.from_act if spec else None,
        ordinal=ordinal, citation=spec.citation if spec else "", confirmed=spec.confirmed if spec else True)
    if item is not None:
        line.note = item.note or ""
        line.details = dict(item.details or {})
        line.number = line.details.get("number") or None
        line.recorded_by = item.recorded_by
        line.recorded_at = item.recorded_at
        if item.file_name:
            line.file = ChecklistFile(item.file_name or "", item.file_type or "", item.file_size or 0)
        if not line.from_log:
            line.received, line.received_on = bool(item.received), item.received_on
    if act_row is not None:
        line.received, line.received_on = True, act_row.effective_date
        if spec.number_field:
            line.number = (act_row.data or {}).get(spec.number_field) or line.number
        if item is None:
            line.recorded_by = act_row.actor_name
            line.recorded_at = act_row.recorded_at
    return line


def _judge(lines, book, on_date, voted):
    """Problems of received items on `on_date`, and staleness while the branch has not voted."""
    months = book["dossier_staleness_months"]
    known_months = book["introducer_known_months"]
    stale_specs = {spec.key for spec in book.documents if spec.stale}
    for line in lines:
        if not line.received:
            continue
        if line.kind == "introducer":
            line.problems = _introducer_problems(line, on_date, known_months)
        elif line.kind == "verification":
            result = line.details.get("verification_result")
            if result == "issues":
                line.problems = [_l("the résumé verification found problems: %(note)s",
                                    note=line.note or "—")]
            elif result != "clear":
                line.problems = [_l("the result of the résumé verification is missing")]
        spec_key = line.key.split(":")[0]
        if not voted and spec_key in stale_specs and line.received_on:
            limit = line.received_on + relativedelta(months=months)
            if on_date > limit:
                line.stale = True
                line.stale_reason = _l(
                    "%(item)s of %(day)s is more than %(months)d months old on %(on)s: it must be redone",
                    item=line.label, day=format_day(line.received_on), months=months, on=format_day(on_date))


def _introducer_problems(line, on_date, known_months):
    name = (line.details.get("introducer_name") or "").strip()
    if not name:
        return [_l("the name of the introducing member is missing on %(item)s", item=line.label)]
    problems = []
    if not line.details.get("official"):
        problems.append(_l("%(name)s is not an official party member", name=name))
    since = _iso(line.details.get("known_since"))
    if since is None:
        problems.append(_l("when %(name)s began working or living with the candidate is missing", name=name))
    elif since + relativedelta(months=known_months) > on_date:
        delta = relativedelta(on_date, since)
        problems.append(_l("%(name)s has known the candidate for %(months)d months %(days)d days, "
                           "at least %(need)d months needed", name=name,
                           months=delta.years * 12 + delta.months, days=delta.days, need=known_months))
    return problems


def missing_for(lines, act, on_date):
    """Why `act` cannot be recorded on `on_date` as far as documents go: each required item it
    needs that is missing, dated after the act, or not in order."""
    reasons = []
    for line in lines:
        if line.due_by != act or not line.required or line.from_log:
            continue
        if not line.received:
            reasons.append(_l("%(item)s has not been received", item=line.label))
            continue
        if line.received_on and line.received_on > on_date:
            reasons.append(_l("%(item)s is dated %(day)s, after the date of this act (%(on)s)",
                              item=line.label, day=format_day(line.received_on), on=format_day(on_date)))
        reasons.extend(line.problems)
    return reasons


def stale_reasons(lines):
    return [line.stale_reason for line in lines if line.stale and line.required]


def phases_for(stage):
    """The phases whose documents matter in a stage: recognition's once the member is admitted."""
    if stage in ("probation", "official", "struck_off"):
        return ("admission", "recognition")
    return ("admission",)


def line_for(lines, key):
    return next((line for line in lines if line.key == key), None)
