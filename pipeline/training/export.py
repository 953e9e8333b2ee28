"""Training classes as spreadsheets: the list of classes and a class's attendees, with the
columns of their pages."""
from dateutil.relativedelta import relativedelta
from pipeline.base.i18n import lazy_gettext as _l

from pipeline.exports import Column, stream_rows, stream_scalars
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
        case = enrolment.case
        valid_until = (enrolment.certificate_date + relativedelta(months=validity_months)
                       if enrolment.certificate_date and validity_months else None)
        yield (case.full_name, case.branch.name, stage_label(case.stage), enrolment.enrolled_on,
               enrolment.result_label or None, enrolment.certificate_number, enrolment.certificate_date,
               valid_until)


CLASS_COLUMNS = (
    Column(_l("Class")),
    Column(_l("Organised by")),
    Column(_l("Organiser unit")),
    Column(_l("Starts"), "date"),
    Column(_l("Ends"), "date"),
    Column(_l("Place")),
    Column(_l("Attendees"), "int"),
)


def class_rows(statement):
    """One row per class of `statement` (the class and its attendee count), read in chunks."""
    for training_class, attendees in stream_rows(statement):
        yield (training_class.name, training_class.organiser_name or training_class.organiser_unit.name,
               training_class.organiser_unit.name, training_class.starts_on, training_class.ends_on,
               training_class.place, attendees)
