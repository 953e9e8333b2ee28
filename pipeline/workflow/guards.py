"""Guards: each returns a list of reasons the act cannot be done (empty when it can).
Reasons are translatable sentences a secretary can act on, never a bare False.
Values come from the rulebook in force on the act's date."""
import math
from dataclasses import dataclass, field
from datetime import date

from dateutil.relativedelta import relativedelta
from flask_babel import lazy_gettext as _l

from pipeline.cases.models import EDUCATION_LEVELS, EDUCATION_RANK
from pipeline.dossier.checklist import checklist_for, missing_for, stale_reasons
from pipeline.rules.rulebook import NoRulebook, rulebook_on
from pipeline.web import format_day


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


# --- checks that apply to every act -------------------------------------------------------

def act_date_in_order(ctx):
    if ctx.preview:
        return []
    if ctx.on_date > ctx.today:
        return [_l("The date %(day)s is in the future.", day=format_day(ctx.on_date))]
    last = ctx.facts.last_effective_date
    if last and ctx.on_date < last:
        return [_l("The date %(day)s is before the previous act of this case (%(last)s).",
                   day=format_day(ctx.on_date), last=format_day(last))]
    return []


def rulebook_exists(ctx):
    try:
        ctx.rulebook
    except NoRulebook:
        return [_l("No rulebook covers %(day)s: acts before it cannot be judged.", day=format_day(ctx.on_date))]
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
                   issued=format_day(issued), expires=format_day(expires), months=months)]
    return []


def dossier_checklist(ctx):
    """The case's dossier checklist judged on the act's date (pipeline.dossier.checklist), built
    once per act: the guards below read the same lines as the case page and the printout."""
    lines = getattr(ctx, "_checklist", None)
    if lines is None:
        lines = checklist_for(ctx.case, ctx.case.dossier_items, ctx.on_date, ctx.facts.events)
        ctx._checklist = lines
    return lines


def documents_received(trigger):
    """Guard: every required document the act `trigger` needs has been received by its date and
    is in order (introducers official and known long enough, the résumé verified)."""
    def check(ctx):
        return missing_for(dossier_checklist(ctx), trigger, ctx.on_date)
    check.__name__ = check.__qualname__ = f"documents_received_for_{trigger}"
    return check


dossier_documents_complete = documents_received("complete_dossier")
subcommittee_appraisal_received = documents_received("record_committee_review")
# For the recognition acts (10-, 11-, 12-KNĐ and the new-member course certificate).
recognition_documents_received = documents_received("record_recognition_vote")


def dossier_not_stale(ctx):
    """Introductions, résumé and resolutions older than the rulebook's limit on the branch
    meeting date must be redone (DOMAIN.md §3, dossier staleness)."""
    return stale_reasons(dossier_checklist(ctx))


def probation_end(ctx):
    ceremony = ctx.facts.ceremony_date
    return ceremony + relativedelta(months=ctx.rulebook["probation_months"]) if ceremony else None


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


def recognition_vote_passed(ctx):
    if ctx.facts.recognition_vote_passed is not True:
        return [_l("the branch has not voted to recognise the member")]
    return []


def recognition_review_passed(ctx):
    reasons = recognition_vote_passed(ctx)
    if reasons:
        return reasons
    if ctx.facts.recognition_review_passed is not True:
        return [_l("the grassroots committee has not resolved to recognise the member")]
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
                   received=format_day(received), issued=format_day(ctx.on_date))]
    if received > ctx.today:
        return [_l("The date %(day)s is in the future.", day=format_day(received))]
    return []


def ceremony_after_decision_received(ctx):
    received = ctx.facts.decision_received_on
    if not ctx.preview and received and ctx.on_date < received:
        return [_l("the ceremony cannot be before the branch received the decision (%(day)s)", day=format_day(received))]
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
