"""The process page: the state diagram and its table, read from the workflow table per request."""
from flask import Blueprint, render_template
from flask_login import login_required
from sqlalchemy import func, select

from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.process.diagram import BOX_H, BOX_W, build, role_labels
from pipeline.units.models import subtree_filter
from pipeline.web.scope import current_actor
from pipeline.workflow.definition import MOVES, acts_from
from pipeline.workflow.stages import STAGES, stage_label

bp = Blueprint("process", __name__)


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
                           total=sum(counts.values()))
