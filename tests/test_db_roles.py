"""On PostgreSQL the application runs as a role of its own (`init-db --app-role NAME`, run by the
tables' owner): it records acts and changes accounts as usual, but the database refuses it any
UPDATE or DELETE of the logs' rows, whatever the triggers."""
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import ProgrammingError

from databases import PG_DB_NAME, swap_engine
from pipeline.accounts.models import User
from pipeline.accounts.operations import update_user
from pipeline.extensions import db
from pipeline.workflow.log import load_log
from pipeline.workflow.operations import record_act

pytestmark = pytest.mark.postgres_only

ROLE = f"{PG_DB_NAME}_app"  # roles belong to the whole server: named after this run's databases


@pytest.fixture
def app_engine(app, database_url, runner):
    """An engine connected as the application's role, set up by init-db."""
    db.session.remove()
    result = runner.invoke(args=["init-db", "--app-role", ROLE, "--app-password", "mat-khau-ung-dung"])
    assert result.exit_code == 0, result.output
    assert "UPDATE and DELETE on all but case_event, account_change" in result.output
    engine = sa.create_engine(sa.engine.make_url(database_url).set(username=ROLE, password="mat-khau-ung-dung"))
    yield engine
    engine.dispose()
    db.session.remove()
    with db.engine.begin() as conn:  # as the owner: the role's grants go, then the role
        conn.execute(sa.text(f'DROP OWNED BY "{ROLE}"'))
        conn.execute(sa.text(f'DROP ROLE IF EXISTS "{ROLE}"'))


@pytest.mark.parametrize("statement", [
    "UPDATE case_event SET reason = 'sửa lén'", "DELETE FROM case_event",
    "UPDATE account_change SET reason = 'sửa lén'", "DELETE FROM account_change",
    "DELETE FROM log_key", "TRUNCATE case_event",
])
def test_the_application_role_cannot_change_the_logs(world, make_case, app_engine, statement):
    make_case("spotted")
    db.session.remove()
    with app_engine.connect() as conn:
        with pytest.raises(ProgrammingError, match="permission denied"):
            conn.execute(sa.text(statement))


def test_the_application_role_still_acts(app, world, make_case, app_engine, runner):
    case = make_case("spotted")
    db.session.remove()
    previous = swap_engine(app, app_engine)
    try:
        secretary = db.session.execute(sa.select(User).where(User.username == "sec_a1")).scalar_one()
        record_act(case.id, "remove_from_pool", secretary, date(2021, 8, 15), {}, reason="Xin rút")
        update_user(db.session.execute(sa.select(User).where(User.username == "admin")).scalar_one(),
                    secretary, "Thư ký mới", "secretary", secretary.unit)  # an account change: chained too
        assert [row.act for row in load_log(case.id)] == ["spot", "remove_from_pool"]
        verified = runner.invoke(args=["audit", "verify"])
        assert verified.exit_code == 0, verified.output
    finally:
        db.session.remove()
        swap_engine(app, previous)


def test_init_db_refuses_a_role_name_it_cannot_quote(runner):
    result = runner.invoke(args=["init-db", "--app-role", 'x"; DROP TABLE case_event; --'])
    assert result.exit_code != 0 and "not a plain role name" in result.output
