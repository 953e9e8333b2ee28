"""The candidate list as a spreadsheet: the columns of the page and a few more."""
from pipeline.base.i18n import lazy_gettext as _l

from pipeline.exports import Column, stream_scalars
from pipeline.workflow.stages import stage_label

CASE_COLUMNS = (
    Column(_l("Full name")),
    Column(_l("Date of birth"), "date"),
    Column(_l("Sex")),
    Column(_l("Branch")),
    Column(_l("Stage")),
    Column(_l("Since"), "date"),
    Column(_l("Introduced by")),
    Column(_l("Reason")),  # why the case left the process, as the case page heads it
)


def case_rows(statement):
    """One row per case of `statement` (cases with their branch loaded), read in chunks. The
    reason is the stored text: the case page's translated vote shortfall needs the case's log."""
    for case in stream_scalars(statement):
        yield (case.full_name, case.date_of_birth, case.sex_label, case.branch.name, stage_label(case.stage),
               case.stage_entered_on, case.source_label, case.exit_reason)
