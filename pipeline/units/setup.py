"""Setting up an organisation on an empty database: its top unit and its first administrator, in
one transaction. The rest of the tree and the other accounts are made from there."""
from sqlalchemy import func, select

from pipeline.accounts.operations import create_user
from pipeline.extensions import db
from pipeline.transaction import one_transaction
from pipeline.units.chain import record_created_rows
from pipeline.units.models import Unit, add_unit
from pipeline.workflow.log import remember_key


class SetupRefused(Exception):
    """The database already holds an organisation."""


def unit_count():
    return db.session.scalar(select(func.count()).select_from(Unit))


def set_up_organisation(unit_code, unit_name, unit_kind, decides_admissions, username, display_name, password):
    """The top unit and its administrator (no administrator acts for them: the history says the
    command line made the account). Refuses a database that has units already."""
    with one_transaction():
        existing = unit_count()
        if existing:
            raise SetupRefused(existing)
        remember_key()  # the log key's fingerprint, so that verify can tell a wrong key later
        top = add_unit(unit_code, unit_name, unit_kind, decides_admissions=decides_admissions)
        record_created_rows([top])  # the first row of the top unit's chain: its whole state
        admin = create_user(None, username, display_name, "admin", top, password)
    return top, admin
