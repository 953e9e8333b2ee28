"""`flask --app wsgi generate`: a small national shape that the audit accepts, with every unit
kind, stage and exit, whose pages render, the same for the same seed, and never over data."""
from datetime import date

import pytest
import sqlalchemy as sa

from pipeline.extensions import db
from pipeline.units.models import UNIT_KINDS
from pipeline.workflow.stages import STAGE_NAMES

pytestmark = pytest.mark.real_database  # the generator commits, and --reset rebuilds the schema
TODAY = date(2026, 12, 1)
SMALL = ["generate", "--units", "60", "--cases", "300", "--today", TODAY.isoformat()]


def generate(runner, *extra):
    result = runner.invoke(args=SMALL + list(extra))
    db.session.remove()
    return result


def scalars(sql):
    return db.session.execute(sa.text(sql)).scalars().all()


def log_digest():
    """Every log row's hash, in order: the generated cases as a whole."""
    return scalars("SELECT hash FROM case_event ORDER BY candidate_id, seq")


def test_every_kind_stage_and_exit_and_the_audit_passes(app, runner, client, login):
    result = generate(runner, "--seed", "3")
    assert result.exit_code == 0, result.output
    assert "300 cases" in result.output

    # The town is the level the 2025 reorganisation abolished: the national shape has none.
    assert set(scalars("SELECT DISTINCT kind FROM unit")) == set(UNIT_KINDS) - {"town"}
    assert set(scalars("SELECT DISTINCT stage FROM candidate")) == set(STAGE_NAMES)
    overdue = db.session.scalar(sa.text("SELECT COUNT(*) FROM case_deadline WHERE due_on < :today"), {"today": TODAY})
    assert overdue > 0  # some cases stuck
    assert scalars("SELECT COUNT(*) FROM enrolment WHERE certificate_number IS NOT NULL")[0] > 0

    audit = runner.invoke(args=["audit", "verify"])
    assert audit.exit_code == 0, audit.output
    assert "Broken: 0" in audit.output
    assert "Differences between the cases' tables and their logs: 0" in audit.output
    assert "Differences between the units and their histories: 0" in audit.output

    app.config["TODAY"] = TODAY
    province = db.session.execute(sa.text("SELECT code, name FROM unit WHERE kind = 'province' AND depth = 1 "
                                          "ORDER BY id LIMIT 1")).one()
    commune = db.session.execute(sa.text("SELECT code, name FROM unit WHERE kind = 'commune' "
                                         "ORDER BY id LIMIT 1")).one()
    for username, unit_name in ((f"btc-{province.code}", province.name), (commune.code, commune.name)):
        login(username, "demo")
        for path in (f"/reports/year?year={TODAY.year}", f"/quotas/?year={TODAY.year}"):
            response = client.get(path)
            assert response.status_code == 200, (username, path)
            assert unit_name in response.get_data(as_text=True), (username, path)
        client.post("/logout")


def test_same_seed_same_cases_and_no_generation_over_data(app, runner):
    assert generate(runner, "--seed", "5").exit_code == 0
    first = log_digest()

    refused = generate(runner, "--seed", "5")
    assert refused.exit_code != 0
    assert "not empty" in refused.output and "--reset" in refused.output
    assert log_digest() == first  # nothing written

    assert generate(runner, "--seed", "5", "--reset").exit_code == 0
    assert log_digest() == first
    assert generate(runner, "--seed", "6", "--reset").exit_code == 0
    assert log_digest() != first


def test_the_demo_resets_a_generated_national_tree(app, runner):
    """`demo --reset` over a tree with provinces (the migrations' way down refused the 2025 kinds)."""
    assert generate(runner, "--seed", "7").exit_code == 0
    result = runner.invoke(args=["demo", "--reset"])
    db.session.remove()
    assert result.exit_code == 0, result.output
    assert "Điện Bàn 2022 demo loaded" in result.output
    assert scalars("SELECT COUNT(*) FROM unit WHERE kind = 'province'") == [0]
