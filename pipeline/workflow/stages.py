"""The stages of DOMAIN.md §2, in order, then the side exits. Kept free of imports from the
rest of the package so that models can use the names in database constraints."""
from dataclasses import dataclass

from pipeline.base.i18n import lazy_gettext as _l


@dataclass(frozen=True)
class Stage:
    name: str
    label: object
    step: int | None  # position in the main road, None for a side exit
    exit: bool = False  # a side exit: the case carries a reason while it is here


STAGES = (
    Stage("spotted", _l("Spotted, being nurtured"), 1),
    Stage("training", _l("Political training class"), 2),
    Stage("dossier", _l("Preparing the dossier"), 3),
    Stage("branch_vote", _l("Awaiting the branch vote"), 4),
    Stage("committee_review", _l("Awaiting the grassroots committee"), 5),
    Stage("decision", _l("Awaiting the admission decision"), 6),
    Stage("ceremony", _l("Awaiting the admission ceremony"), 7),
    Stage("probation", _l("Probationary member"), 8),
    Stage("official", _l("Official member"), 9),
    Stage("rejected", _l("Not admitted by the committee"), None, exit=True),
    Stage("withdrawn", _l("Withdrawn by the candidate"), None, exit=True),
    Stage("removed", _l("Removed from the pool"), None, exit=True),
    Stage("expired", _l("Papers expired, to be redone"), None, exit=True),
    Stage("struck_off", _l("Struck off during probation"), None, exit=True),
)
STAGE_NAMES = tuple(s.name for s in STAGES)
STAGE_BY_NAME = {s.name: s for s in STAGES}
TERMINAL_STAGES = tuple(s.name for s in STAGES if s.exit)
MAIN_STAGES = tuple(s for s in STAGES if s.step is not None)


def stage_label(name):
    stage = STAGE_BY_NAME.get(name)
    return stage.label if stage else name
