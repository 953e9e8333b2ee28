"""On the real clock, today's figures place each case in its branch as the units' rows stand
(pipeline.units.history.stands_as_now), where a past day, or a fixed one, reads the history of
moves and unit versions. After a transfer and a merger, both ways give the same pages."""
from datetime import date

import sqlalchemy as sa

from dashboard_support import matrix_cells
from figures_support import NAMES, admitted_2022, direct_actors, unit_rows  # noqa: F401  (fixtures)
from pages_support import pages  # noqa: F401  (a fixture)
from pipeline.base import clock
from pipeline.cases.models import Case
from pipeline.cases.transfer import transfer_case
from pipeline.extensions import db
from pipeline.units.history import stands_as_now
from pipeline.units.reorganise import NewUnit, carry_out, plan_merge


def figures(pages, year):
    pages.login("board")
    return (matrix_cells(pages.get("/dashboard/")), unit_rows(pages.get(f"/quotas/?year={year}")),
            unit_rows(pages.get(f"/reports/year?year={year}")))


def test_today_on_the_real_clock_reads_what_the_history_reads(app, admitted_2022, pages):
    world = admitted_2022
    app.config.pop("TODAY", None)
    today = clock.today()
    assert stands_as_now(today) and not stands_as_now(date(2023, 3, 1))
    in_training = db.session.scalar(sa.select(Case.id).where(Case.full_name == NAMES["branch_a1"],
                                                             Case.stage == "training"))
    transfer_case(in_training, world["board"], world.branch_b1.id, date(2023, 3, 1), "Chuyển nơi cư trú")
    admin = world["admin"]
    carry_out(admin, lambda: plan_merge(admin, [world.commune_a, world.commune_b],
                                        NewUnit("commune_ab", "Đảng bộ xã AB", "commune", world.town),
                                        date(2024, 7, 1)))
    real = figures(pages, today.year)
    app.config["TODAY"] = today  # the same day, fixed: read from the history
    assert not stands_as_now(today)
    assert figures(pages, today.year) == real
    cells, quotas, _report = real
    assert "commune_ab" in quotas and "commune_a" not in quotas
    assert cells["total", "all"][0] > 0
