"""Setting up one's own organisation on an empty database (`flask --app wsgi setup`): the top unit
and the first administrator, who can then log in; refused on a database that has units, and
on bad values with the field named, writing nothing."""
import pytest
import sqlalchemy as sa

from pages_support import pages, text  # noqa: F401  (pages is a fixture)
from pipeline.accounts.models import User
from pipeline.app import create_app
from pipeline.audit.replayed import account_differences
from pipeline.extensions import db
from pipeline.units.models import Unit

PASSWORD = "mot-mat-khau-dai"
OPTIONS = {"--unit-code": "tinh-qn", "--unit-name": "Đảng bộ tỉnh Quảng Nam", "--unit-kind": "committee",
           "--admin-username": "quantri", "--admin-name": "Nguyễn Văn Quản Trị", "--admin-password": PASSWORD}


def setup_args(**changes):
    options = dict(OPTIONS, **{"--" + name.replace("_", "-"): value for name, value in changes.items()})
    return ["setup", *[part for pair in options.items() if pair[1] is not None for part in pair]]


def counts():
    db.session.expire_all()
    return (db.session.scalar(sa.select(sa.func.count()).select_from(Unit)),
            db.session.scalar(sa.select(sa.func.count()).select_from(User)))


# Units made on PostgreSQL advance its sequences, which a rolled-back test does not undo (the demo's
# ids, and so its hashes, would differ in a later test): a database of their own.
@pytest.mark.real_database
def test_setup_makes_the_top_unit_and_an_administrator_who_logs_in(app, runner, pages):
    result = runner.invoke(args=setup_args())
    assert result.exit_code == 0, result.output
    assert "Set up Đảng bộ tỉnh Quảng Nam (tinh-qn, committee) with its administrator quantri." in result.output
    top = db.session.execute(sa.select(Unit)).scalar_one()
    assert (top.code, top.kind, top.decides_admissions, top.parent_id, top.path) == (
        "tinh-qn", "committee", True, None, f"/{top.id}/")
    admin = db.session.execute(sa.select(User)).scalar_one()
    assert (admin.role, admin.unit_id, admin.must_change_password) == ("admin", top.id, False)
    assert account_differences() == (1, [])  # its history is chained and matches it
    page = pages.login("quantri", PASSWORD)
    assert "Nguyễn Văn Quản Trị" in text(page)
    assert pages.get("/admin/users/").status_code == 200


@pytest.mark.real_database
def test_what_is_not_given_is_asked(app, runner):
    result = runner.invoke(args=["setup", "--unit-kind", "town", "--no-decides-admissions"],
                           input="dienban\nĐảng bộ thị xã Điện Bàn\nquantri\nLê Quản Trị\n"
                                 f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    top = db.session.execute(sa.select(Unit)).scalar_one()
    assert (top.code, top.name, top.kind, top.decides_admissions) == ("dienban", "Đảng bộ thị xã Điện Bàn",
                                                                      "town", False)


def test_a_database_with_units_is_refused_before_anything_is_asked(world, runner):
    before = counts()
    result = runner.invoke(args=["setup"])
    assert result.exit_code != 0
    assert "This database already has 7 unit(s): setup is for an empty database." in result.output
    assert counts() == before


@pytest.mark.parametrize("changes, message", [
    ({"unit_code": "tỉnh qn"}, "Code of the top unit: Use 1 to 64 characters"),
    ({"unit_name": "Đảng bộ\x07"}, "Name of the top unit: Remove the invisible control characters"),
    ({"unit_name": "x" * 201}, "Name of the top unit: Field cannot be longer than 200 characters."),
    ({"admin_username": "Quản Trị"}, "Username: Use 3 to 64 characters"),
    ({"admin_password": "ngan"}, "Password: A password has at least 10 characters."),
    ({"admin_username": "quantri-dai", "admin_password": "quantri-dai"},
     "Password: The password cannot be the username."),
    ({"admin_name": ""}, "Full name and title: This field is required."),
])
def test_bad_values_are_named_and_nothing_is_written(app, runner, changes, message):
    result = runner.invoke(args=setup_args(**changes))
    assert result.exit_code != 0
    assert message in result.output and "Nothing was written" in result.output
    assert counts() == (0, 0)


def test_a_database_without_its_schema_or_its_key_is_refused_with_the_next_step(app, runner, tmp_path):
    app.config["LOG_KEY"] = None
    result = runner.invoke(args=setup_args())
    assert result.exit_code != 0 and "The log key is missing: run `flask --app wsgi init-db`" in result.output
    assert counts() == (0, 0)
    blank = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'blank.sqlite'}", "SECRET_KEY": "test",
                        "LOG_KEY": "test log key", "TESTING": True})
    with blank.app_context():
        result = blank.test_cli_runner().invoke(args=setup_args())
    assert result.exit_code != 0 and "The database has no schema yet: run `flask --app wsgi init-db` first." \
        in result.output
