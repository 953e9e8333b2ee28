"""Guards: each returns a list of reasons the act cannot be done (empty when it can).
Reasons are translatable sentences a secretary can act on, never a bare False.
Values come from the rulebook in force on the act's date."""
import math
from dataclasses import dataclass, field
from datetime import date

from dateutil.relativedelta import relativedelta
from flask_babel import format_date, lazy_gettext as _l

from pipeline.candidates.models import EDUCATION_LEVELS, EDUCATION_RANK
from pipeline.rules.rulebook import NoRulebook, rulebook_on


@dataclass
class ActContext:
    case: object
    facts: object
    on_date: date  # the act's effective date; today when only previewing
    data: dict | None = None  # None when previewing on the case page
    today: date = field(default_factory=date.today)
    outcome_reason: object = None
    vote: dict | None = None

    @property
    def preview(self):
        return self.data is None

    @property
    def rulebook(self):
        return rulebook_on(self.on_date)


def age_in_months(born, on):
    delta = relativedelta(on, born)
    return delta.years * 12 + delta.months


def votes_needed(total, fraction):
    """Smallest whole number of votes that is at least `fraction` of `total`."""
    return math.ceil(total * fraction)


def _d(day):
    return format_date(day, "dd/MM/yyyy")


# --- checks that apply to every act -------------------------------------------------------

def act_date_in_order(ctx):
    if ctx.preview:
        return []
    if ctx.on_date > ctx.today:
        return [_l("The date %(day)s is in the future.", day=_d(ctx.on_date))]
    last = ctx.facts.last_effective_date
    if last and ctx.on_date < last:
        return [_l("The date %(day)s is before the previous act of this case (%(last)s).",
                   day=_d(ctx.on_date), last=_d(last))]
    return []


def rulebook_exists(ctx):
    try:
        ctx.rulebook
    except NoRulebook:
        return [_l("No rulebook covers %(day)s: acts before it cannot be judged.", day=_d(ctx.on_date))]
    return []


# --- eligibility ---------------------------------------------------------------------------

def age_within_limits(ctx):
    book = ctx.rulebook
    months = age_in_months(ctx.case.date_of_birth, ctx.on_date)
    years, rest = divmod(months, 12)
    when = _l("today") if ctx.preview else _l("on the branch meeting date")
    if months < book["min_age_months"]:
        return [_l("only %(years)d years %(months)d months old %(when)s (needs %(min)d full years)",
                   years=years, months=rest, when=when, min=book["min_age_months"] // 12)]
    if months > book["max_age_months"] and not (ctx.data or {}).get("over_age_consent"):
        if ctx.preview:
            return []  # the vote form asks for the provincial consent
        return [_l("%(years)d years %(months)d months old %(when)s: over %(max)d needs the provincial "
                   "standing committee's written consent", years=years, months=rest, when=when,
                   max=book["max_age_months"] // 12)]
    return []


def education_sufficient(ctx):
    needed = ctx.rulebook["min_education"]
    if EDUCATION_RANK[ctx.case.education] < EDUCATION_RANK[needed]:
        return [_l("education is %(have)s; at least %(need)s is required",
                   have=EDUCATION_LEVELS[ctx.case.education], need=EDUCATION_LEVELS[needed])]
    return []


def training_certificate_valid(ctx):
    issued = ctx.facts.certificate_date
    if issued is None:
        return [_l("no certificate of the political training class yet")]
    months = ctx.rulebook["certificate_validity_months"]
    expires = issued + relativedelta(months=months)
    if ctx.on_date >= expires:
        return [_l("the training certificate of %(issued)s expired on %(expires)s (valid %(months)d months)",
                   issued=_d(issued), expires=_d(expires), months=months)]
    return []


def dossier_not_stale(ctx):
    opened = ctx.facts.dossier_opened_on
    if opened is None:
        return []
    months = ctx.rulebook["dossier_staleness_months"]
    limit = opened + relativedelta(months=months)
    if ctx.on_date > limit:
        return [_l("the dossier was opened on %(opened)s, more than %(months)d months before this date: "
                   "introductions and resolutions must be redone", opened=_d(opened), months=months)]
    return []


def introducers_sufficient(ctx):
    """Two official members, or (Youth Union path) the Youth Union resolution and one member;
    each must have known the candidate for the rulebook's number of months."""
    if ctx.preview:
        return []
    data, book = ctx.data, ctx.rulebook
    reasons = []
    introducers = [i for i in data.get("introducers", []) if i.get("name")]
    if ctx.case.youth_union_member:
        needed = book["introducers_required_youth_path"]
        if not data.get("youth_union_resolution"):
            reasons.append(_l("the Youth Union committee's resolution introducing the candidate is missing"))
    else:
        needed = book["introducers_required"]
    if len(introducers) < needed:
        reasons.append(_l("%(have)d introducing member(s) recorded, %(need)d needed",
                          have=len(introducers), need=needed))
    known_months = book["introducer_known_months"]
    for introducer in introducers:
        if not introducer.get("official"):
            reasons.append(_l("%(name)s is not an official party member", name=introducer["name"]))
        since = introducer.get("known_since") or None  # a date from the form, ISO text from the log
        since = date.fromisoformat(since) if isinstance(since, str) else since
        if since is None:
            reasons.append(_l("when %(name)s began working or living with the candidate is missing",
                              name=introducer["name"]))
        elif since + relativedelta(months=known_months) > ctx.on_date:
            delta = relativedelta(ctx.on_date, since)
            reasons.append(_l("%(name)s has known the candidate for %(months)d months %(days)d days, "
                              "at least %(need)d months needed", name=introducer["name"],
                              months=delta.years * 12 + delta.months, days=delta.days, need=known_months))
    if not data.get("resume_verified"):
        reasons.append(_l("the résumé has not been verified"))
    return reasons


def probation_complete(ctx):
    ceremony = ctx.facts.ceremony_date
    if ceremony is None:
        return [_l("no admission ceremony recorded")]
    ends = ceremony + relativedelta(months=ctx.rulebook["probation_months"])
    if ctx.on_date < ends:
        return [_l("probation runs until %(ends)s", ends=_d(ends))]
    met = (ctx.data or {}).get("branch_meeting_date")
    met = date.fromisoformat(met) if isinstance(met, str) else met
    if met and met < ends:
        return [_l("the branch considered recognition on %(met)s, before probation ended on %(ends)s",
                   met=_d(met), ends=_d(ends))]
    return []


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
                   received=_d(received), issued=_d(ctx.on_date))]
    if received > ctx.today:
        return [_l("The date %(day)s is in the future.", day=_d(received))]
    return []


def ceremony_after_decision_received(ctx):
    received = ctx.facts.decision_received_on
    if not ctx.preview and received and ctx.on_date < received:
        return [_l("the ceremony cannot be before the branch received the decision (%(day)s)", day=_d(received))]
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


def branch_vote_passes(ctx):
    return _vote(ctx, "branch_vote_fraction", "members_total")


def committee_vote_passes(ctx):
    return _vote(ctx, "committee_vote_fraction", "committee_size")
