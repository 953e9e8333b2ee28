"""The dashboard's filters (year, branch kind, source organisation), read from the query string
and turned into SQL conditions on Candidate and its branch Unit. Anything invalid is ignored,
as the candidate list does."""
from dataclasses import dataclass
from datetime import date

from pipeline.base.i18n import lazy_gettext as _l
from sqlalchemy import exists, select
from wtforms import SelectField

from pipeline.cases.models import SOURCE_ORGANISATIONS, Case
from pipeline.units.models import BRANCH_KINDS, UNIT_KINDS, Unit
from pipeline.base.forms import BaseForm, choices
from pipeline.workflow.models import LogEntry
from pipeline.workflow.stages import MAIN_STAGES

# The columns of the dashboard: the stages a case is still moving through.
OPEN_STAGES = tuple(s for s in MAIN_STAGES if s.name != "official")
OPEN_STAGE_NAMES = tuple(s.name for s in OPEN_STAGES)
YEARS_OFFERED = 10  # the year filter offers this year and the nine before it
FILTER_NAMES = ("year", "kind", "source")


@dataclass(frozen=True)
class Filters:
    year: int | None = None  # the cohort: the year the case was spotted (its first log row)
    kind: str | None = None  # the branch's kind
    source: str | None = None  # the organisation that introduced the candidate

    @classmethod
    def from_args(cls, args, today):
        year = args.get("year", "")
        year = int(year) if year.isdigit() and 1900 <= int(year) <= today.year else None
        kind = args.get("kind") if args.get("kind") in BRANCH_KINDS else None
        source = args.get("source") if args.get("source") in SOURCE_ORGANISATIONS else None
        return cls(year, kind, source)

    def conditions(self):
        """SQL conditions on Candidate and the branch Unit joined to it."""
        found = []
        if self.year is not None:
            found.append(spotted_in(self.year))
        if self.kind:
            found.append(Unit.kind == self.kind)
        if self.source:
            found.append(Case.source_organisation == self.source)
        return found

    def args(self):
        """The query parameters that keep these filters on the next page."""
        return {name: value for name, value in (("year", self.year), ("kind", self.kind), ("source", self.source))
                if value is not None}

    @property
    def any(self):
        return bool(self.args())


def spotted_in(year):
    """The case was spotted (its first act, sequence 1 of the log) in `year`."""
    return exists(select(LogEntry.id).where(
        LogEntry.case_id == Case.id, LogEntry.seq == 1,
        LogEntry.effective_date >= date(year, 1, 1), LogEntry.effective_date < date(year + 1, 1, 1)))


class FilterForm(BaseForm):
    """The filters as select boxes (GET, no CSRF token)."""

    class Meta:
        csrf = False

    year = SelectField(_l("Year spotted"))
    kind = SelectField(_l("Branch kind"))
    source = SelectField(_l("Introduced by"))

    def __init__(self, formdata, filters, today, **kwargs):
        super().__init__(formdata, **kwargs)
        years = list(range(today.year, today.year - YEARS_OFFERED, -1))
        if filters.year is not None and filters.year not in years:
            years.append(filters.year)
        self.year.choices = choices([("", _l("All years"))] + [(str(y), str(y)) for y in years])
        self.kind.choices = choices([("", _l("All kinds"))] + [(k, UNIT_KINDS[k]) for k in BRANCH_KINDS])
        self.source.choices = choices([("", _l("All organisations"))] + list(SOURCE_ORGANISATIONS.items()))
        # Show what is applied, not what was typed (an invalid value is ignored).
        self.year.data = str(filters.year) if filters.year is not None else ""
        self.kind.data = filters.kind or ""
        self.source.data = filters.source or ""
