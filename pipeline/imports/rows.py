"""Judging every row before anything is written: the "New candidate" form's own validation
(built with the row as its form data, as if the page had posted it), then what only a list can
get wrong: the same person twice, a person who already has an open case, another branch's row."""
from dataclasses import dataclass

from pipeline.base.i18n import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms import SelectField

from pipeline.base import clock
from pipeline.cases.forms import NewCaseForm
from pipeline.cases.models import Case
from pipeline.base.text import fold
from pipeline.extensions import db
from pipeline.imports.columns import CHOICES, DATE_FIELDS, NO, YES, cell_text, choice_values, date_text
from pipeline.workflow.stages import TERMINAL_STAGES

CLOSED_STAGES = (*TERMINAL_STAGES, "official")
REQUIRED_COLUMNS = ("full_name", "date_of_birth", "sex", "education", "source_organisation")


@dataclass
class Problem:
    row: int | None  # None: the file as a whole
    column: str | None  # the header as the sheet writes it
    message: object


@dataclass
class GoodRow:
    row: int
    effective_date: object
    particulars: dict


def missing_columns(layout):
    """The form's required fields the sheet has no column for (ethnicity has a default, Kinh)."""
    form = NewCaseForm(formdata=None, meta={"csrf": False})
    return [Problem(None, None, _l("The file has no column “%(column)s”.", column=form[field].label.text))
            for field in REQUIRED_COLUMNS if field not in layout.columns]


def judge_rows(sheet, layout, branch):
    """(good rows, problems), the problems in row order."""
    choices = {field: choice_values(field) for field in CHOICES}
    good, problems, first_seen = [], [], {}
    for number, cells in sheet.rows:
        row_problems, formdata = _formdata(number, cells, layout, choices, branch)
        form = NewCaseForm(formdata=formdata, meta={"csrf": False})
        if not form.validate():
            row_problems += _form_problems(number, form, layout)
        if row_problems:
            problems += row_problems
            continue
        key = (fold(form.full_name.data), form.date_of_birth.data)
        if key in first_seen:
            problems.append(Problem(number, None, _l("The same person as row %(row)d.", row=first_seen[key])))
            continue
        first_seen[key] = number
        good.append(GoodRow(number, form.effective_date.data, form.particulars()))
    problems += _already_open(good, branch)
    return good, sorted(problems, key=lambda p: p.row or 0)


def _formdata(number, cells, layout, choices, branch):
    """What the page would have posted for this row, and the problems the form cannot see."""
    problems, data = [], MultiDict()
    for field, index in layout.columns.items():
        value = cells[index] if index < len(cells) else None
        text = date_text(value) if field in DATE_FIELDS else cell_text(value)
        if not text:
            continue  # as if left empty on the page: the form's defaults and "required" apply
        if field == "branch":
            if fold(text) not in (fold(branch.name), fold(branch.code)):
                problems.append(Problem(number, layout.headers[index],
                                        _l("This row is for another branch: %(branch)s.", branch=text)))
        elif field == "youth_union_member":
            if fold(text) in YES:
                data[field] = "y"
            elif fold(text) not in NO:
                problems.append(Problem(number, layout.headers[index],
                                        _l("Write “x” for yes, or leave the cell empty for no.")))
        elif field in choices:
            data[field] = choices[field].get(fold(text), text)  # unknown: the form says so
        else:
            data[field] = text
    data.setdefault("effective_date", clock.today().isoformat())
    return problems, data


def _form_problems(number, form, layout):
    problems = []
    for field in form:
        for error in field.errors:
            column = layout.headers[layout.columns[field.name]] if field.name in layout.columns else field.label.text
            if isinstance(field, SelectField) and error == field.gettext("Not a valid choice."):
                expected = ", ".join(str(label) for value, label, *_ in field.iter_choices() if value)
                error = _l("%(error)s Expected one of: %(values)s.", error=error, values=expected)
            problems.append(Problem(number, column, error))
    return problems


def _already_open(good, branch):
    """Rows whose person has an open case in the branch already (the web form does not look)."""
    if not good:
        return []
    open_cases = {}
    for case in db.session.execute(
            select(Case).where(Case.branch_id == branch.id, Case.stage.not_in(CLOSED_STAGES),
                                    Case.name_folded.in_(sorted({fold(r.particulars["full_name"]) for r in good})))
    ).scalars():
        open_cases[(case.name_folded, case.date_of_birth)] = case
    problems = []
    for row in good:
        case = open_cases.get((fold(row.particulars["full_name"]), row.particulars["date_of_birth"]))
        if case is not None:
            problems.append(Problem(row.row, None, _l("%(name)s already has an open case in this branch (case no. %(id)d).",
                                                      name=case.full_name, id=case.id)))
    return problems
