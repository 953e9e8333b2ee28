"""Importing accounts: every row judged first (its cells, a username twice or taken, a role not
known, a unit not known or outside the importer's subtree, a secretary not on a branch), then
every account created in one transaction through create_user, or none. Each gets a random
one-time password, returned once to be shown once and never stored in clear: its owner must
change it at the first login, whoever imported it.

An "E-mail" column gives each account the address its digests go to (the owner chooses on their
profile whether to receive them). The export writes username, name, role, unit code and e-mail,
without any secret, and re-imports unchanged."""
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from pipeline.accounts.admin_forms import USERNAME
from pipeline.accounts.forms import EMAIL
from pipeline.accounts.models import ROLES, User
from pipeline.accounts.operations import AccountRefused, create_user, managed_users, may_manage_accounts
from pipeline.base.i18n import lazy_gettext as _l
from pipeline.bulk.table import Field, Table, sorted_problems
from pipeline.bulk.units import ImportFailed
from pipeline.extensions import db
from pipeline.imports.rows import Problem
from pipeline.transaction import one_transaction
from pipeline.units.models import Unit
from pipeline.units.operations import in_subtree

ACCOUNT_TABLE = Table(
    [Field("username", _l("Username"), required=True, max_length=64, aliases=("Tài khoản", "Tên tài khoản", "Login")),
     Field("display_name", _l("Full name and title"), required=True,
           aliases=("Name", "Display name", "Full name", "Họ tên", "Họ và tên", "Tên hiển thị")),
     Field("role", _l("Role"), "choice", required=True, choices=ROLES, aliases=("Vai trò", "Chức năng")),
     Field("unit_code", _l("Unit code"), required=True, max_length=64, aliases=("Mã đơn vị", "Đơn vị", "Unit")),
     Field("email", _l("E-mail"), max_length=254, aliases=("Email", "Thư điện tử", "Địa chỉ email"))],
    key_fields=("username", "unit_code"),
    no_header=_l("No header row with the columns of an account list (username, name, role, unit code) was found."))
REFUSED_COLUMNS = {"username": "username", "role": "role", "unit_id": "unit_code", "display_name": "display_name"}
PASSWORD_BYTES = 12  # 16 characters of token_urlsafe: far above PASSWORD_MIN_LENGTH, easy to type once


@dataclass
class AccountRow:
    row: int
    values: dict
    unit: object = None


def judge_accounts(actor, sheet, layout):
    """(rows, problems), the problems in row order; a fixed few statements whatever the rows."""
    column = lambda name: ACCOUNT_TABLE.column(layout, name)  # noqa: E731
    rows, problems, first_row = [], [], {}
    for number, cells in sheet.rows:
        values, row_problems = ACCOUNT_TABLE.values(layout, number, cells)
        username = values["username"]
        if username is not None:
            if not USERNAME.fullmatch(username):
                row_problems.append(Problem(number, column("username"), _l(
                    "Use 3 to 64 characters: lowercase letters without accents, digits, dots, hyphens or "
                    "underscores, starting with a letter or digit.")))
            elif username in first_row:
                row_problems.append(Problem(number, column("username"),
                                            _l("The same username as row %(row)d.", row=first_row[username])))
            else:
                first_row[username] = number
        if values["email"] is not None and not EMAIL.fullmatch(values["email"]):
            row_problems.append(Problem(number, column("email"),
                                        _l("Enter one e-mail address, such as ten@example.vn.")))
        problems += row_problems
        rows.append(AccountRow(number, values))
    usernames = sorted({r.values["username"] for r in rows} - {None})
    taken = set(db.session.execute(select(User.username).where(User.username.in_(usernames))).scalars())
    codes = sorted({r.values["unit_code"] for r in rows} - {None})
    units = {u.code: u for u in db.session.execute(select(Unit).where(Unit.code.in_(codes))).scalars()}
    for row in rows:
        values = row.values
        if values["username"] in taken:
            problems.append(Problem(row.row, column("username"), _l("This username is taken: choose another.")))
        code = values["unit_code"]
        if code is None:
            continue
        unit = units.get(code)
        if unit is None or not in_subtree(actor, unit):
            # Outside the subtree reads as not there: the import says nothing of other units.
            problems.append(Problem(row.row, column("unit_code"), _l("No unit with code %(code)s among your units.",
                                                                     code=code)))
            continue
        if unit.valid_to is not None:
            problems.append(Problem(row.row, column("unit_code"), _l("The unit %(code)s is closed.", code=code)))
        if values["role"] == "secretary" and not unit.is_branch:
            problems.append(Problem(row.row, column("role"), _l("A branch secretary belongs to a branch: %(code)s "
                                                                "is not one.", code=code)))
        row.unit = unit
    return rows, sorted_problems(problems)


def one_time_password():
    return secrets.token_urlsafe(PASSWORD_BYTES)


def create_accounts(actor, rows, progress=None):
    """Every judged row created in one transaction; returns [(user, one-time password)], the
    passwords to be shown once. A refusal names its row and rolls every row back (ImportFailed)."""
    created = []
    with one_transaction():
        for row in rows:
            values, password = row.values, one_time_password()
            try:
                user = create_user(actor, values["username"], values["display_name"], values["role"], row.unit,
                                   password, must_change_password=True)
            except AccountRefused as refused:
                field = ACCOUNT_TABLE.by_name[REFUSED_COLUMNS.get(refused.field, "username")]
                raise ImportFailed([Problem(row.row, str(field.label), refused.reason)]) from None
            user.email = values["email"]
            created.append((user, password))
            if progress:
                progress(row)
    return created


def may_import_accounts(user):
    return may_manage_accounts(user)


def exported_accounts(actor):
    """The active accounts of the administrator's subtree but their own (which exists wherever the
    file is imported under the same top unit), by username: no password, no second factor."""
    statement = (managed_users(actor).where(User.active.is_(True), User.id != actor.id)
                 .options(contains_eager(User.unit)).order_by(User.username))
    for user in db.session.execute(statement).scalars():
        yield (user.username, user.display_name, ROLES[user.role], user.unit.code, user.email)


def template_rows(actor):
    yield ("nguyen.van.a", "Nguyễn Văn A", ROLES["secretary"], "thon_1", None)
    yield ("tran.thi.b", "Trần Thị B", ROLES["committee"], actor.unit.code, None)
