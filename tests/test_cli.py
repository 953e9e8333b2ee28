import io
import os

import pytest
from sqlalchemy import make_url

from pipeline.accounts.models import User
from pipeline.base.progress import CountProgress
from pipeline.extensions import db


def test_create_user_makes_an_account_that_can_log_in(runner, world, login):
    result = runner.invoke(args=["create-user", "--username", "newsec", "--display-name", "Bí thư mới",
                                 "--role", "secretary", "--unit", "branch_a1", "--password", "s3cret!"])
    assert result.exit_code == 0, result.output
    user = db.session.execute(db.select(User).filter_by(username="newsec")).scalar_one()
    assert user.unit.code == "branch_a1" and user.check_password("s3cret!")
    assert not user.check_password("wrong")


def test_create_user_refuses_an_unknown_unit_and_a_taken_name(runner, world):
    unknown = runner.invoke(args=["create-user", "--username", "x", "--display-name", "X",
                                  "--role", "secretary", "--unit", "nowhere", "--password", "p"])
    assert unknown.exit_code != 0 and "nowhere" in unknown.output
    taken = runner.invoke(args=["create-user", "--username", "sec_a1", "--display-name", "X",
                                "--role", "secretary", "--unit", "branch_a1", "--password", "p"])
    assert taken.exit_code != 0 and "sec_a1" in taken.output
    assert db.session.execute(db.select(db.func.count(User.id))).scalar() == len(world.users)


@pytest.mark.real_database
def test_init_db_is_idempotent(runner):
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "newest schema" in result.output


def test_init_db_makes_a_sqlite_file_readable_by_its_owner_only(app, runner):
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        pytest.skip("a PostgreSQL server keeps its own files")
    path = url.database
    os.chmod(path, 0o644)  # as a copy or an older init-db left it
    assert runner.invoke(args=["init-db"]).exit_code == 0
    assert os.stat(path).st_mode & 0o777 == 0o600


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_long_command_draws_a_bar_on_a_terminal():
    screen = Terminal()
    progress = CountProgress("Recording cases", "cases recorded", file=screen)
    progress.echo("Building the organisation...")
    for done in range(1, 346):
        progress.update(done, 345)
    progress.echo("Done.")
    output = screen.getvalue()
    assert output.startswith("Building the organisation...\n")
    assert "Recording cases" in output and "[#" in output and "\r" in output  # redrawn in place
    assert "120/345" in output and "345/345" in output
    assert output.endswith("345/345\x1b[?25h\nDone.\n")  # the bar ends its line; the cursor shows again
    assert "cases recorded" not in output


def test_a_long_command_writes_plain_lines_elsewhere():
    log = io.StringIO()  # CI, a log file: no terminal
    progress = CountProgress("Recording cases", "cases recorded", every=50, file=log)
    for done in range(1, 121):
        progress.update(done, 120)
    assert log.getvalue().splitlines() == ["50/120 cases recorded", "100/120 cases recorded",
                                           "120/120 cases recorded"]
