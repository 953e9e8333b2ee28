"""A training class's attendees as a spreadsheet: the columns of the class page."""
from dateutil.relativedelta import relativedelta
from flask_babel import lazy_gettext as _l

from pipeline.exports import Column, stream_scalars
from pipeline.workflow.stages import stage_label

ATTENDEE_COLUMNS = (
    Column(_l("Full name")),
    Column(_l("Branch")),
    Column(_l("Stage")),
    Column(_l("Enrolled"), "date"),
    Column(_l("Result")),
    Column(_l("Certificate number")),
    Column(_l("Certificate date"), "date"),
    Column(_l("Valid until"), "date"),
)


def attendee_rows(statement, validity_months):
    """One row per enrolment of `statement` (with case and branch loaded), read in chunks."""
    for enrolment in stream_scalars(statement):
        case = enrolment.candidate
        valid_until = (enrolment.certificate_date + relativedelta(months=validity_months)
                       if enrolment.certificate_date and validity_months else None)
        yield (case.full_name, case.branch.name, stage_label(case.stage), enrolment.enrolled_on,
               enrolment.result_label or None, enrolment.certificate_number, enrolment.certificate_date,
               valid_until)
