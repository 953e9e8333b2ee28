"""Reports read the tree as it was (pipeline.units.history): on the Điện Bàn 2022 demo, merging two
communes and two branches with open cases (effective 1/7/2025) moves the cases, and the 2022
quotas, year report and dashboard read exactly as before; the 2025 pages show the new commune,
"formerly" the two, against the sum of their 2025 quotas. On the test world: a merge within the
year, and a transfer of one candidate the year after."""
import re
from datetime import date

import sqlalchemy as sa

from dashboard_support import matrix_cells
from figures_support import NAMES, admitted_2022, direct_actors, unit_rows  # noqa: F401  (fixtures)
from pages_support import pages, text  # noqa: F401  (pages is a fixture)
from pipeline.accounts.models import User
from pipeline.cases.models import Case
from pipeline.cases.transfer import transfer_case
from pipeline.extensions import db
from pipeline.printing import pdf
from pipeline.quotas.operations import set_quota
from pipeline.quotas.rollup import POOL_STAGES, rollup
from pipeline.units.models import Unit
from pipeline.units.reorganise import NewUnit, carry_out, plan_merge
from pipeline.workflow.definition import OPEN_STAGES

SNAPSHOT = date(2022, 10, 31)
JULY = date(2025, 7, 1)
NEW_CODE, NEW_NAME = "dienhoahong", "Đảng bộ xã Điện Hòa Hồng"
# A report carries the head of the log of its unit as it is when printed (pipeline.audit.head): the
# merge writes a log entry per moved case, so the head moves on, as it must to be checked later.
CHAIN_HEAD = re.compile(r'<p class="small chain-head" data-unit-chain-head="(\w+)">(.*?)</p>', re.S)
VOLATILE = [re.compile(r'(name="csrf_token"[^>]*value=")[^"]*'), re.compile(r'(nonce=")[^"]*'),
            re.compile(r'(<meta name="csrf-token" content=")[^"]*')]


def unit(code):
    return db.session.execute(sa.select(Unit).filter_by(code=code)).scalar_one()


def user(username):
    return db.session.execute(sa.select(User).filter_by(username=username)).scalar_one()


def open_cases(*units):
    """Ids of the open cases whose branch is now in the subtree of one of `units`."""
    return set(db.session.execute(sa.select(Case.id).join(Unit, Unit.id == Case.branch_id).where(
        sa.or_(*(Unit.path.startswith(u.path) for u in units)), Case.stage.in_(OPEN_STAGES))).scalars())


def page_urls():
    """The pages of 2022 the board reads, for the town and the communes and wards concerned."""
    urls = ["/quotas/?year=2022", "/reports/year?year=2022", "/reports/year?year=2022&until=2022-09-30",
            "/dashboard/", "/dashboard/?year=2022&kind=village"]
    for code in ("dienhoa", "dienhong", "dienduong"):
        unit_id = unit(code).id
        urls += [f"/quotas/?year=2022&unit={unit_id}", f"/reports/year?year=2022&unit={unit_id}",
                 f"/dashboard/?unit={unit_id}"]
    return urls


def read(pages, urls):
    """url -> (the page without its volatile bits and its chain head, the chain heads)."""
    found = {}
    for url in urls:
        response = pages.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        for pattern in VOLATILE:
            page = pattern.sub(r"\1", page)
        found[url] = (CHAIN_HEAD.sub("", page), CHAIN_HEAD.findall(page))
    return found


def pdf_text(pages, url):
    """The printed report's words, without its chain head (see CHAIN_HEAD)."""
    from io import BytesIO

    from pypdf import PdfReader
    reader = PdfReader(BytesIO(pages.get(url).data))
    words = " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())
    return re.sub(r"Log of .*? chain head: \w+\.", "", words)


def reorganise(admin):
    """Hà Tây 2 (xã Điện Hòa) into Tân Khai (phường Điện Dương), then xã Điện Hòa and xã Điện Hồng
    into a new commune, from 1/7/2025: returns the ids of the cases moved with Hà Tây 2."""
    hatay2, tankhai = unit("hatay2"), unit("tankhai")
    moved = carry_out(admin, lambda: plan_merge(admin, [hatay2], tankhai, JULY))
    town = unit("dienban")
    new = NewUnit(NEW_CODE, NEW_NAME, "commune", town, decides_admissions=False)
    merged = carry_out(admin, lambda: plan_merge(admin, [unit("dienhoa"), unit("dienhong")], new, JULY))
    assert {move.subject.code for move in merged.units} >= {"dienhoa-hatay1", "dienhong-thcs"}
    assert "hatay2" not in {move.subject.code for move in merged.units}  # it ended the day before
    return {move.subject.id for move in moved.cases}


def test_a_later_merge_leaves_the_2022_pages_as_they_were_and_2025_reads_the_new_tree(app, demo, pages):
    app.config["TODAY"] = SNAPSHOT
    hatay2, tankhai = unit("hatay2"), unit("tankhai")
    assert open_cases(hatay2) and open_cases(tankhai) and open_cases(unit("dienhong"))
    pages.login("btc", "demo")
    urls = page_urls()
    before = read(pages, urls)
    assert read(pages, urls[:1]) == {urls[0]: before[urls[0]]}  # nothing else varies from one read to the next
    printed = pdf_text(pages, "/reports/year.pdf?year=2022") if pdf.available() else None
    town_head = before["/reports/year?year=2022"][1]

    app.config["TODAY"] = JULY
    board = user("btc")
    set_quota(board, unit("dienhoa"), 2025, 5, 7)
    set_quota(board, unit("dienhong"), 2025, 4)
    moving = open_cases(hatay2)
    assert reorganise(user("admin")) == moving
    db.session.expire_all()
    assert {case.branch_id for case in db.session.scalars(sa.select(Case).where(Case.id.in_(moving)))} == {tankhai.id}
    successor = unit(NEW_CODE)
    assert unit("dienhoa-hatay1").parent_id == successor.id

    app.config["TODAY"] = SNAPSHOT
    pages.login("btc", "demo")
    after = read(pages, urls)
    for url in urls:
        assert after[url][0] == before[url][0], url
    if printed is not None:
        assert pdf_text(pages, "/reports/year.pdf?year=2022") == printed
    # The town's log head counts the moves: the same cases, one more act for each case moved.
    (_hash, line), = after["/reports/year?year=2022"][1]
    acts = int(re.search(r"acts: ([\d,.]+)", line).group(1).replace(",", "").replace(".", ""))
    acts_before = int(re.search(r"acts: ([\d,.]+)", town_head[0][1]).group(1).replace(",", "").replace(".", ""))
    assert acts == acts_before + len(moving)

    # Standing at the end of 2025: the new commune, formerly the two, against the sum of their quotas.
    app.config["TODAY"] = date(2025, 12, 31)
    pages.login("btc", "demo")
    rows = unit_rows(pages.get("/quotas/?year=2025"))
    assert "dienhoa" not in rows and "dienhong" not in rows and "hatay2" not in rows
    name, kind, quota = rows[NEW_CODE][:3]
    assert name == f"{NEW_NAME} formerly Đảng bộ xã Điện Hòa, Đảng bộ xã Điện Hồng"
    assert quota == "9–11"
    in_pool = db.session.scalar(sa.select(sa.func.count()).select_from(Case).join(Unit, Unit.id == Case.branch_id)
                                .where(Unit.path.startswith(successor.path), Case.stage.in_(POOL_STAGES)))
    assert sum(int(cell) for cell in rows[NEW_CODE][6:9]) == in_pool > 0
    assert unit_rows(pages.get("/reports/year?year=2025"))[NEW_CODE][:3] == [name, kind, quota]
    matrix = pages.get("/dashboard/")
    assert "formerly Đảng bộ xã Điện Hòa, Đảng bộ xã Điện Hồng" in text(matrix)
    cells = matrix_cells(matrix)
    assert cells[successor.id, "all"][0] == len(open_cases(successor))
    assert (unit("dienhoa").id, "all") not in cells


def lines_of(figures):
    return {line.unit.code: (line.unit.formerly, line.target.label if line.target else None, line.admitted,
                             line.pool_total) for line in figures.children}


def test_within_the_year_a_merged_unit_counts_in_its_successor_and_a_transfer_moves_only_later_figures(
        app, admitted_2022):
    world = admitted_2022
    in_training = db.session.scalar(sa.select(Case.id).where(Case.full_name == NAMES["branch_a1"],
                                                             Case.stage == "training"))
    app.config["TODAY"] = date(2023, 3, 1)
    transfer_case(in_training, world["board"], world.branch_b1.id, date(2023, 3, 1), "Chuyển nơi cư trú")
    app.config["TODAY"] = date(2022, 12, 31)
    before = lines_of(rollup(world.town, 2022))
    assert before["commune_a"] == ([], "1–2", 3, 2) and before["commune_b"] == ([], "2", 1, 1)

    admin = world["admin"]
    new = NewUnit("commune_ab", "Đảng bộ xã AB", "commune", world.town)
    carry_out(admin, lambda: plan_merge(admin, [world.commune_a, world.commune_b], new, date(2022, 7, 1)))

    # The first half of the year reads the old tree; the whole year the new one, where the merged
    # communes' quotas add up and their admissions count, the town's total unchanged.
    assert lines_of(rollup(world.town, 2022, until=date(2022, 6, 30))) == before
    after = rollup(world.town, 2022)
    assert lines_of(after)["commune_ab"] == (["Đảng bộ xã A", "Đảng bộ phường B"], "3–4", 4, 3)
    assert "commune_a" not in lines_of(after) and {unit.code for unit in after.merged} == {"commune_a", "commune_b"}
    assert after.root.admitted == 5 and after.children_target.label == "3–4"
    # A quota of the merger's own is the plan that counts.
    set_quota(world["board"], db.session.get(Unit, unit("commune_ab").id), 2022, 5)
    assert lines_of(rollup(world.town, 2022))["commune_ab"][1] == "5"

    # The candidate transferred in 2023 is in commune A's pool on the tree of 2022, in B's after.
    sub_a = rollup(world.commune_a, 2022, until=date(2022, 6, 30))
    assert {line.unit.code: line.pool_total for line in sub_a.children} == {"branch_a1": 1, "branch_a2": 1}
    app.config["TODAY"] = date(2023, 12, 31)
    ab = {line.unit.code: line.pool_total for line in rollup(unit("commune_ab"), 2023).children}
    assert ab == {"branch_a1": 0, "branch_a2": 1, "branch_b1": 2}


def test_the_2025_scenario_leaves_the_printed_2022_report_of_the_town_as_it_was(app, demo, pages, needs_pdf):
    """The demo's second scenario renames the top unit and merges every commune: the town's
    printed 2022 report still names it and its communes as they were in 2022."""
    from pipeline.demo.reorganisation import apply_reorganisation
    app.config["TODAY"] = SNAPSHOT
    pages.login("btc", "demo")
    url = "/reports/year.pdf?year=2022&until=2022-09-30"
    before = pdf_text(pages, url)
    apply_reorganisation()
    app.config["TODAY"] = SNAPSHOT
    after = pdf_text(pages, url)
    assert "ĐẢNG BỘ THỊ XÃ ĐIỆN BÀN" in before.upper()
    assert after == before


def test_the_quota_export_names_the_units_a_line_replaced(world, pages):
    from pipeline.units.reorganise import NewUnit, carry_out, plan_merge
    admin = world["admin"]
    new = NewUnit("commune_ab", "Đảng bộ xã AB", "commune", world.town)
    carry_out(admin, lambda: plan_merge(admin, [world.commune_a, world.commune_b], new, JULY))
    pages.login("board")
    csv = pages.get("/quotas/?year=2025&format=csv").get_data(as_text=True)
    assert "Đảng bộ xã AB (formerly Đảng bộ xã A, Đảng bộ phường B)" in csv
