"""A branch's board (kanban): one column per open stage, one card per case with its days in the
stage and why it is stuck, and the acts the user's role may take from that stage one click away.
Two statements: the cases, their overdue deadlines. The acts' guards are not evaluated per card
(that would be a query per case): the act form says what blocks it."""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from pipeline.cases.models import Case
from pipeline.dashboard.filters import OPEN_STAGES, OPEN_STAGE_NAMES
from pipeline.extensions import db
from pipeline.workflow.definition import acts_from
from pipeline.workflow.operations import role_may
from pipeline.workflow.stages import TERMINAL_STAGES
from pipeline.workflow.stuck import OVERDUE, TOO_LONG, reasons_for


@dataclass(frozen=True)
class Card:
    case_id: int
    full_name: str
    stage_entered_on: date
    days: int
    reasons: tuple

    @property
    def overdue(self):
        return [r for r in self.reasons if r.kind == OVERDUE]

    @property
    def too_long(self):
        return [r for r in self.reasons if r.kind == TOO_LONG]


@dataclass
class BoardColumn:
    stage: object  # a Stage
    acts: list  # the forward acts the user's role may take from this stage
    cards: list = field(default_factory=list)

    @property
    def stuck(self):
        return sum(1 for card in self.cards if card.reasons)


def forward_acts(user, stage):
    """Acts that move a case on (not the exits, nor an extension of a limit: the acts in the road's
    own style), which the user's role may record."""
    return [act for act in acts_from(stage)
            if act.dest not in TERMINAL_STAGES and act.style == "primary" and role_may(user, act, None)]


def build_board(branch, user, today):
    columns = {stage.name: BoardColumn(stage, forward_acts(user, stage.name)) for stage in OPEN_STAGES}
    rows = db.session.execute(
        select(Case.id, Case.full_name, Case.stage, Case.stage_entered_on)
        .where(Case.branch_id == branch.id, Case.stage.in_(OPEN_STAGE_NAMES))
        .order_by(Case.stage_entered_on, Case.id)).all()
    reasons = reasons_for(rows, today)
    for r in rows:
        columns[r.stage].cards.append(Card(r.id, r.full_name, r.stage_entered_on, (today - r.stage_entered_on).days,
                                           tuple(reasons[r.id])))
    return list(columns.values())
