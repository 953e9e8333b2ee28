"""The process page: the state diagram and its table, read from the workflow table per request,
and the rules: each rulebook with its dates, each value with its citation."""
from datetime import timedelta

from flask import Blueprint, render_template
from flask_login import login_required
from pipeline.base.i18n import lazy_gettext as _l
from sqlalchemy import func, select

from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.process.diagram import BOX_H, BOX_W, build, role_labels
from pipeline.rules.rulebook import load_rulebooks
from pipeline.units.models import subtree_filter
from pipeline.web.scope import current_actor
from pipeline.workflow.definition import MOVES, acts_from
from pipeline.workflow.stages import STAGES, stage_label

bp = Blueprint("process", __name__)

# What each value of a rulebook is, for the rules on the process page (rulebooks.toml).
RULE_LABELS = {
    "min_age_months": _l("Minimum age at the branch meeting (months)"),
    "max_age_months": _l("Maximum age at the branch meeting without written consent (months)"),
    "min_education": _l("Minimum education"),
    "introducers_required": _l("Introducing members"),
    "introducers_required_youth_path": _l("Introducing members beside the Youth Union's resolution"),
    "youth_path_max_age_years": _l("Youth Union path: up to this age (full years)"),
    "introducer_known_months": _l("Introducer has worked or lived with the candidate (months)"),
    "branch_vote_fraction": _l("Branch vote passes with (of its official members in total)"),
    "committee_vote_fraction": _l("Committee vote passes with (of its members)"),
    "decision_working_days": _l("Admission decision after the branch resolution (working days)"),
    "decision_extension_working_days": _l("Extension of the admission decision (working days)"),
    "ceremony_working_days": _l("Ceremony after the decision is received (working days)"),
    "probation_months": _l("Probation (months)"),
    "recognition_review_working_days": _l("Branch review of recognition after probation (working days)"),
    "recognition_decision_working_days": _l("Recognition decision after the branch resolution (working days)"),
    "recognition_decision_extension_working_days": _l("Extension of the recognition decision (working days)"),
    "certificate_validity_months": _l("Training certificate valid for (months)"),
    "dossier_staleness_months": _l("Introductions and resolutions to redo after (months)"),
    "failed_votes_before_referral": _l("Failed votes on recognition before the higher committee decides"),
    "stage_expected_months": _l("Months a case may sit in a stage before it is called stuck"),
    "admission_count_basis": _l("A new member counts in the year's figures from"),
    "late_entry_days": _l("An act entered this many days late is flagged"),
}


def rule_rows(book):
    """(name, label, value, citation, confirmed) of each value of `book`, in the file's order."""
    return [(name, RULE_LABELS.get(name, name), value_text(rule.value), rule.citation, rule.confirmed)
            for name, rule in book.values.items()]


def value_text(value):
    if isinstance(value, dict):
        return ", ".join(f"{key}: {item}" for key, item in value.items())
    return str(value)


def stage_counts(unit):
    """Cases of the unit's subtree per stage: one GROUP BY statement."""
    rows = db.session.execute(
        select(Case.stage, func.count()).join(Case.branch).where(subtree_filter(unit))
        .group_by(Case.stage))
    return {stage: count for stage, count in rows}


@bp.get("/process")
@login_required
def diagram():
    counts = stage_counts(current_actor().unit)
    boxes, edges, width, height = build(counts)
    rows = [(stage, counts.get(stage.name, 0), acts_from(stage.name)) for stage in STAGES]
    return render_template("process/diagram.html", boxes=boxes, edges=edges, width=width, height=height,
                           box_w=BOX_W, box_h=BOX_H, rows=rows, acts=MOVES,
                           role_labels=role_labels, stage_label=stage_label,
                           total=sum(counts.values()), rulebooks=load_rulebooks(), rule_rows=rule_rows,
                           one_day=timedelta(days=1))
