"""Every model, imported in one place so the metadata (and migrations) see all tables."""
from pipeline.accounts.models import User  # noqa: F401
from pipeline.cases.models import Case  # noqa: F401
from pipeline.units.models import Unit  # noqa: F401
from pipeline.workflow.models import CaseDeadline, LogEntry  # noqa: F401
from pipeline.quotas.models import Quota, QuotaChange  # noqa: F401
from pipeline.workdays.models import CalendarOverride  # noqa: F401
from pipeline.training.models import Enrolment, TrainingClass  # noqa: F401
from pipeline.dossier.models import DossierItem  # noqa: F401
from pipeline.readlog.models import ReadLog  # noqa: F401
from pipeline.notes.models import CaseNote  # noqa: F401
from pipeline.jobs.models import ExportJob  # noqa: F401
from pipeline.api.models import ApiToken  # noqa: F401
