"""Guards: what must hold before an act is recorded. Each guard is an object with its name and a
label a secretary reads (the process page lists them); called with the act's context it returns
the reasons the act cannot be done, translatable sentences a secretary can act on, never a bare
False. Guards read the case's state (replayed from its log) and the rulebook in force on the
act's date; the workflow table (pipeline.workflow.definition) names which guards each act has."""
import math
from dataclasses import dataclass, field
from datetime import date

from dateutil.relativedelta import relativedelta
from pipeline.base.i18n import lazy_gettext as _l
from sqlalchemy import select

from pipeline.base.formatting import format_day
from pipeline.cases.models import EDUCATION_LEVELS, EDUCATION_RANK
from pipeline.extensions import db
from pipeline.rules.rulebook import NoRulebook, rulebook_on
from pipeline.training.models import RESULT_LABELS, Enrolment, TrainingClass
from pipeline.units.models import Unit
from pipeline.workflow.checklist import checklist_for, missing_for, stale_reasons


@dataclass(frozen=True)
class Guard:
    name: str
    label: object  # what it checks, in words (the process page)
    check: object  # (ActContext) -> list of reasons

    def __call__(self, ctx):
        return self.check(ctx)


def guard(label):
    """Make a function `(ctx) -> reasons` a Guard named after it."""
    def make(check):
        return Guard(check.__name__, label, check)
    return make


@dataclass
class ActContext:
    """What an act is judged on: the case row (its particulars, its branch), its state replayed
    from the log, the act's date and data. Without data it is a preview (the case page asks what
    would block each act today)."""
    case: object
    state: object
    on_date: date  # the act's effective date; today when only previewing
    data: dict | None = None  # None when previewing on the case page
    today: date = field(default_factory=date.today)
    outcome_reason: object = None
    vote: dict | None = None
    _memo: dict = field(default_factory=dict, repr=False)

    @property
    def preview(self):
        return self.data is None

    @property
    def rulebook(self):
        return rulebook_on(self.on_date)

    def remember(self, key, compute):
        """A value computed once per act, shared by the guards that need it."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]


def age_in_months(born, on):
    delta = relativedelta(on, born)
    return delta.years * 12 + delta.months


def votes_needed(total, fraction):
    """Smallest whole number of votes that is at least `fraction` of `total`."""
    return math.ceil(total * fraction)


# --- checks that apply to every act that moves a case -------------------------------------------

@guard(_l("A rulebook in force on the act's date"))
def rulebook_exists(ctx):
    try:
        ctx.rulebook
    except NoRulebook:
        return [_l("No rulebook covers %(day)s: acts before it cannot be judged.", day=format_day(ctx.on_date))]
    return []


def in_the_future(day):
    """The reason a date after today is refused (an act, a decision's receipt, a spotting)."""
    return _l("The date %(day)s is in the future.", day=format_day(day))


def _not_before(ctx, last):
    if last and ctx.on_date < last:
        return [_l("The date %(day)s is before the previous act of this case (%(last)s).",
                   day=format_day(ctx.on_date), last=format_day(last))]
    return []


@guard(_l("The date is not in the future"))
def not_in_future(ctx):
    if not ctx.preview and ctx.on_date > ctx.today:
        return [in_the_future(ctx.on_date)]
    return []


@guard(_l("The date is not before the previous act of the case"))
def act_date_in_order(ctx):
    if ctx.preview:
        return []
    return not_in_future(ctx) or _not_before(ctx, ctx.state.last_effective_date)


# --- eligibility ---------------------------------------------------------------------------

@guard(_l("Old enough on the day of the branch meeting"))
def age_within_limits(ctx):
    """The minimum age at the branch meeting. Over the maximum the branch may still vote: the
    written consent is needed before the decision (over_age_consent_given)."""
    book = ctx.rulebook
    months = age_in_months(ctx.case.date_of_birth, ctx.on_date)
    years, rest = divmod(months, 12)
    when = _l("today") if ctx.preview else _l("on the branch meeting date")
    if months < book["min_age_months"]:
        return [_l("only %(years)d years %(months)d months old %(when)s (needs %(min)d full years)",
                   years=years, months=rest, when=when, min=book["min_age_months"] // 12)]
    return []


@guard(_l("The level of education the rules require"))
def education_sufficient(ctx):
    needed = ctx.rulebook["min_education"]
    if EDUCATION_RANK[ctx.case.education] < EDUCATION_RANK[needed]:
        return [_l("education is %(have)s; at least %(need)s is required",
                   have=EDUCATION_LEVELS[ctx.case.education], need=EDUCATION_LEVELS[needed])]
    return []


@guard(_l("A training certificate still valid on the day"))
def training_certificate_valid(ctx):
    issued = ctx.state.certificate_date
    if issued is None:
        return [_l("no certificate of the political training class yet")]
    months = ctx.rulebook["certificate_validity_months"]
    expires = issued + relativedelta(months=months)
    if ctx.on_date >= expires:
        return [_l("the training certificate of %(issued)s expired on %(expires)s (valid %(months)d months)",
                   issued=format_day(issued), expires=format_day(expires), months=months)]
    return []


# --- the dossier ---------------------------------------------------------------------------

def dossier_checklist(ctx):
    """The case's dossier checklist judged on the act's date (pipeline.workflow.checklist), built
    once per act: the guards below read the same lines as the case page and the printout."""
    return ctx.remember("checklist", lambda: checklist_for(ctx.case, ctx.state, ctx.on_date))


@dataclass(frozen=True)
class DocumentsGuard(Guard):
    """The guard of an act that needs documents of the dossier (the rulebook names them by act)."""
    act: str = ""


def documents_received(act, label):
    """Guard: every required document the act `act` needs has been received by its date and is
    in order (introducers official and known long enough, the résumé verified)."""
    def check(ctx):
        return missing_for(dossier_checklist(ctx), act, ctx.on_date)
    return DocumentsGuard(f"documents_received_for_{act}", label, check, act)


dossier_documents_complete = documents_received(
    "complete_dossier", _l("Every document of the dossier received and in order"))
subcommittee_appraisal_received = documents_received(
    "record_committee_review", _l("The sub-committee's appraisal received, where required"))
# For the recognition acts (10-, 11-, 12-KNĐ and the new-member course certificate).
recognition_documents_received = documents_received(
    "record_recognition_vote", _l("The documents for recognition received"))


@guard(_l("Introductions, résumé and resolutions not older than the rules allow"))
def dossier_not_stale(ctx):
    """Introductions, résumé and resolutions older than the rulebook's limit on the branch
    meeting date must be redone (DOMAIN.md §3, dossier staleness)."""
    return stale_reasons(dossier_checklist(ctx))


# --- the training class (DOMAIN.md §2, row 2) ----------------------------------------------------

def chosen_class(ctx):
    """The class the act's data names (enrolment), read once per act."""
    def load():
        class_id = (ctx.data or {}).get("class_id")
        try:
            return db.session.get(TrainingClass, int(class_id)) if class_id else None
        except (TypeError, ValueError):
            return None
    return ctx.remember("class", load)


def current_class(ctx):
    """The class of the case's current enrolment."""
    enrolment = ctx.state.current_enrolment
    return ctx.remember("current_class", lambda: db.session.get(TrainingClass, enrolment.class_id))


@guard(_l("The class is organised for the candidate's branch"))
def class_open_to_branch(ctx):
    """The class exists, is organised above the case's branch, has not ended, and does not
    have the candidate already."""
    if ctx.preview:
        return []
    training_class = chosen_class(ctx)
    if training_class is None:
        return [_l("no training class chosen")]
    if not training_class.is_open_to(ctx.case.branch):
        return [_l("the class %(name)s is not open to this branch", name=training_class.name)]
    reasons = []
    if ctx.on_date > training_class.ends_on:
        reasons.append(_l("the class %(name)s ended on %(day)s", name=training_class.name,
                          day=format_day(training_class.ends_on)))
    if ctx.state.enrolment_in(training_class.id) is not None:
        reasons.append(_l("already enrolled in the class %(name)s", name=training_class.name))
    return reasons


def enrolment_details(ctx):
    """The log entry keeps the class's name and organiser beside its id."""
    training_class = chosen_class(ctx)
    return {"class_id": training_class.id, "class_name": training_class.name,
            "organiser": training_class.organiser_name}


@guard(_l("A passing result in the class"))
def passing_result(ctx):
    """A certificate needs an enrolment with a passing result, dated once the class is over,
    with a number not given to anyone else in the class."""
    enrolment = ctx.state.current_enrolment
    if enrolment is None:
        return [_l("not enrolled in a training class")]
    training_class = current_class(ctx)
    if enrolment.result is None:
        return [_l("no passing result recorded in the class %(name)s", name=training_class.name)]
    if enrolment.result != "passed":
        return [_l("no passing result recorded in the class %(name)s (recorded: %(result)s)",
                   name=training_class.name, result=RESULT_LABELS[enrolment.result])]
    reasons = []
    if ctx.on_date < training_class.ends_on:
        reasons.append(_l("the certificate is dated %(day)s, before the class ended on %(end)s",
                          day=format_day(ctx.on_date), end=format_day(training_class.ends_on)))
    number = (ctx.data or {}).get("certificate_number")
    if number:
        # Numbers are unique in a class: the other attendees' certificates are in their enrolments.
        taken = db.session.execute(
            select(Enrolment.id).where(Enrolment.class_id == training_class.id,
                                       Enrolment.certificate_number == number, Enrolment.case_id != ctx.case.id)
        ).first()
        if taken:
            reasons.append(_l("certificate number %(number)s was already issued in the class %(name)s",
                              number=number, name=training_class.name))
    return reasons


def certificate_details(ctx):
    return {"class_id": ctx.state.current_enrolment.class_id, "class_name": current_class(ctx).name}


@guard(_l("The results dated within the class and after the case's previous act"))
def results_date_plausible(ctx):
    """A result (failed, absent, passed awaiting the certificate) is dated from the class's first
    day, not in the future, and not before the case's previous act."""
    training_class = chosen_class(ctx)
    if ctx.on_date > ctx.today:
        return [in_the_future(ctx.on_date)]
    if training_class is not None and ctx.on_date < training_class.starts_on:
        return [_l("the results are dated %(day)s, before the class started on %(start)s",
                   day=format_day(ctx.on_date), start=format_day(training_class.starts_on))]
    return _not_before(ctx, ctx.state.last_entry_date)


# --- decision, ceremony, probation ---------------------------------------------------------------

@guard(_l("The decision received on or after its date, not in the future"))
def decision_receipt_plausible(ctx):
    """The branch receives the decision on or after its date, and not in the future."""
    if ctx.preview:
        return []
    received = ctx.data.get("received_on")
    received = date.fromisoformat(received) if isinstance(received, str) else received
    if received is None:
        return [_l("the date the branch received the decision is missing")]
    if received < ctx.on_date:
        return [_l("the branch cannot receive the decision (%(received)s) before it was issued (%(issued)s)",
                   received=format_day(received), issued=format_day(ctx.on_date))]
    if received > ctx.today:
        return [in_the_future(received)]
    return []


def _consent_at_branch_vote(ctx):
    """The consent, when the branch vote that passed already recorded it."""
    return ctx.state.branch_vote_consent


@guard(_l("Over 60 at the branch meeting: the written consent of the standing committee of the party "
          "committee directly under the Central Committee, given before the decision"))
def over_age_consent_given(ctx):
    """Age is judged on the branch meeting date by the rulebook of that day (QĐ 29/24/232/294,
    point 1.1); over it, HD 01-HD/TW (2016, 2021) point 1.1 asks for the consent before the
    competent committee decides: on the decision's form, or already on the branch vote's."""
    voted = ctx.state.branch_resolution_date
    if ctx.preview or voted is None:
        return []
    limit = rulebook_on(voted)["max_age_months"]
    months = age_in_months(ctx.case.date_of_birth, voted)
    if months <= limit or (ctx.data or {}).get("over_age_consent") or _consent_at_branch_vote(ctx):
        return []
    years, rest = divmod(months, 12)
    return [_l("%(years)d years %(months)d months old on the branch meeting date: over %(max)d the decision needs "
               "the written consent of the standing committee of the party committee directly under the Central "
               "Committee", years=years, months=rest, max=limit // 12)]


# The standing committee of these units decides (the board records its decisions); a committee of
# any other kind given the power to decide decides as the full committee (QĐ 29-QĐ/TW, point 4.3.2a:
# "do tập thể đảng ủy cơ sở xem xét, quyết định").
STANDING_COMMITTEE_KINDS = frozenset({"town", "province"})


def issuing_unit(ctx):
    def load():
        try:
            return db.session.get(Unit, int((ctx.data or {}).get("issuing_unit_id") or 0)) or None
        except (TypeError, ValueError):
            return None
    return ctx.remember("issuing_unit", load)


def standing_committee_kinds(ctx):
    """The kinds of unit whose standing committee decides, by the rulebook of the act's date."""
    try:
        if "standing_committee_kinds" in ctx.rulebook.values:
            return frozenset(ctx.rulebook["standing_committee_kinds"])
    except NoRulebook:
        pass
    return STANDING_COMMITTEE_KINDS


def decided_by_full_committee(ctx):
    unit = issuing_unit(ctx)
    return unit is not None and unit.kind not in standing_committee_kinds(ctx)


def _committee_count(ctx):
    """(members in total, votes for, votes needed) of a deciding committee's vote, or None."""
    size, votes_for = ctx.data.get("committee_size"), ctx.data.get("votes_for")
    if not size or votes_for is None:
        return None
    return size, votes_for, votes_needed(size, ctx.rulebook.fraction("committee_vote_fraction"))


@guard(_l("A grassroots committee given the power to decide: at least 2/3 of its members vote for"))
def deciding_committee_vote_passes(ctx):
    if ctx.preview or not decided_by_full_committee(ctx):
        return []
    count = _committee_count(ctx)
    if count is None:
        return [_l("%(unit)s decides as the full committee: give its members in total and the votes for.",
                   unit=issuing_unit(ctx).name)]
    size, votes_for, needed = count
    if votes_for < needed:
        return [_l("%(votes_for)d/%(total)d committee members voted for, at least %(needed)d needed: "
                   "without them the committee has not decided (record a refusal if it refused).",
                   votes_for=votes_for, total=size, needed=needed)]
    return []


def deciding_committee_vote(ctx):
    """The count needed, beside the committee's vote in the decision's entry."""
    if not decided_by_full_committee(ctx):
        return {}
    return {"votes_needed": _committee_count(ctx)[2]}


@guard(_l("The ceremony held after the branch received the decision, within the time allowed"))
def ceremony_after_decision_received(ctx):
    received = ctx.state.decision_received_on
    if not ctx.preview and received and ctx.on_date < received:
        return [_l("the ceremony cannot be before the branch received the decision (%(day)s)", day=format_day(received))]
    return []


def probation_end(ctx):
    ceremony = ctx.state.ceremony_date
    return ceremony + relativedelta(months=ctx.rulebook["probation_months"]) if ceremony else None


@guard(_l("The 12 months of probation are over"))
def probation_complete(ctx):
    """The branch considers recognition only once the 12 months are over."""
    ends = probation_end(ctx)
    if ends is None:
        return [_l("no admission ceremony recorded")]
    if ctx.on_date < ends:
        return [_l("probation runs until %(ends)s", ends=format_day(ends))]
    return []


def official_from(ctx):
    """Official membership takes effect at the 12-month mark, even when recognised late."""
    return {"official_from": probation_end(ctx).isoformat()}


@guard(_l("The branch voted for recognition"))
def recognition_vote_passed(ctx):
    if ctx.state.recognition_vote_passed is not True:
        return [_l("the branch has not voted to recognise the member")]
    return []


@guard(_l("The committee voted for recognition"))
def recognition_review_passed(ctx):
    reasons = recognition_vote_passed(ctx)
    if reasons:
        return reasons
    if ctx.state.recognition_review_passed is not True:
        return [_l("the grassroots committee has not resolved to recognise the member")]
    return []


# --- outcomes of votes ---------------------------------------------------------------------

def _vote(ctx, fraction_rule, total_key):
    """Judge a vote; the count needed and the result go into the act's data (ctx.vote)."""
    total, votes_for = ctx.data[total_key], ctx.data["votes_for"]
    needed = votes_needed(total, ctx.rulebook.fraction(fraction_rule))
    passed = votes_for >= needed
    ctx.vote = {"votes_needed": needed, "passed": passed}
    if not passed:
        ctx.outcome_reason = vote_shortfall(total_key, votes_for, total, needed)
    return passed


def vote_shortfall(total_key, votes_for, total, needed):
    """The sentence for a vote that did not pass, in the reader's language."""
    if total_key == "committee_size":
        return _l("%(votes_for)d/%(total)d committee members voted for, at least %(needed)d needed",
                  votes_for=votes_for, total=total, needed=needed)
    return _l("%(votes_for)d/%(total)d official members voted for, at least %(needed)d needed",
              votes_for=votes_for, total=total, needed=needed)


def shortfall_of(data):
    """The shortfall sentence of a logged vote that failed, or None."""
    if not data or data.get("passed") is not False:
        return None
    total_key = "committee_size" if "committee_size" in data else "members_total"
    return vote_shortfall(total_key, data["votes_for"], data[total_key], data["votes_needed"])


@dataclass(frozen=True)
class Vote:
    """How a vote is decided: `fraction_rule` of the total in the act's `total_key` vote for."""
    total_key: str
    fraction_rule: str

    def __call__(self, ctx):
        return _vote(ctx, self.fraction_rule, self.total_key)


# The branch: 2/3 of its official members in total, not of those present; the committee: 2/3 of it.
branch_vote_passes = Vote("members_total", "branch_vote_fraction")
committee_vote_passes = Vote("committee_size", "committee_vote_fraction")


def referral_after_failed_votes(ctx, act_name):
    """A failed vote on recognition (the branch's or the committee's) that reaches the rulebook's
    count of failed votes of that body sends the case to the higher committee, which decides
    (QĐ 29/24/232/294, point 4.2): the entry says so. Admission votes are not referred."""
    if not (ctx.vote and ctx.vote.get("passed") is False):
        return {}
    earlier = ctx.state.failed_votes.get(act_name, 0)
    if earlier + 1 >= ctx.rulebook["failed_votes_before_referral"]:
        return {"referred_to_higher_committee": True}
    return {}


# --- corrections ---------------------------------------------------------------------------------

@guard(_l("The correction names an earlier act of the case, and is not dated before it"))
def corrects_an_earlier_act(ctx):
    if ctx.preview:
        return []
    seq = ctx.data.get("corrects_seq")
    target = next((entry for entry in ctx.state.entries if entry.seq == seq), None)
    if target is None:
        return [_l("Act no. %(seq)d is not in this case's log.", seq=seq)]
    if target.act == "record_correction":
        return [_l("A correction cannot be corrected: record another correction of act no. %(seq)d.",
                   seq=(target.data or {}).get("corrects_seq") or target.seq)]
    if ctx.on_date < target.effective_date:
        return [_l("A correction cannot be dated before the act it corrects (%(day)s).",
                   day=format_day(target.effective_date))]
    return []


@guard(_l("The branch it goes to is another open branch, existing on the date"))
def transfer_destination_open(ctx):
    if ctx.preview:
        return []
    destination = db.session.get(Unit, (ctx.data or {}).get("to_branch_id") or 0)
    if destination is None or not destination.is_branch:
        return [_l("Choose the branch the candidate goes to.")]
    if destination.id == ctx.case.branch_id:
        return [_l("The candidate is in this branch already.")]
    if destination.valid_to is not None or destination.valid_from > ctx.on_date:
        return [_l("%(branch)s is not open on %(day)s.", branch=destination.name, day=format_day(ctx.on_date))]
    return []
