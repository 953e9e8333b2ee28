from pipeline.accounts.models import User
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


def test_init_db_is_idempotent(runner):
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "newest schema" in result.output
