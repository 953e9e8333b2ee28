"""The schema comes from migrations: they reach the models' shape and go down and up again
on a database that holds data (SQLite rebuilds tables for some changes)."""
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select

from pipeline.cases.models import Case
from pipeline.base.text import name_sort_key
from pipeline.extensions import db
from pipeline.units.models import Unit

pytestmark = pytest.mark.real_database


def test_migrations_match_the_models(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []


def test_down_and_up_keeps_the_data(app, make_case):
    make_case("decision")
    before = (db.session.scalar(select(func.count(Unit.id))), db.session.scalar(select(func.count(Case.id))))
    db.session.remove()
    downgrade(revision="0001")
    upgrade()
    after = (db.session.scalar(select(func.count(Unit.id))), db.session.scalar(select(func.count(Case.id))))
    assert after == before and before[1] == 1


def test_upgrading_fills_the_name_order_keys_of_existing_cases(app, make_case):
    case_id = make_case(full_name="Phùng Tấn Thắng").id
    db.session.remove()
    downgrade(revision="0005")
    upgrade()
    case = db.session.get(Case, case_id)
    assert case.sort_given_first == name_sort_key("Phùng Tấn Thắng")
    assert case.sort_full_name == name_sort_key("Phùng Tấn Thắng", given_name_first=False)
