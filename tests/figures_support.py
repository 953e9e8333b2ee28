"""Helpers of the quota and report tests: a small year of admissions in the test world, the
per-unit table as the page shows it, and the same table read back from an XLSX export."""
import html
import re

import pytest

from pipeline.extensions import db
from xlsx_support import sheet_table
from pipeline.quotas.models import Quota


# The candidates of each branch of the test world, by name.
NAMES = {"branch_a1": "Nguyễn Văn An", "branch_a2": "Lê Thị Hoa", "branch_b1": "Trần Văn Bình",
         "branch_direct": "Đỗ Minh Quân"}


def add_quota(unit, year, minimum, maximum=None):
    db.session.add(Quota(unit_id=unit.id, year=year, minimum=minimum,
                         maximum=minimum if maximum is None else maximum))
    db.session.commit()


@pytest.fixture
def direct_actors(world, monkeypatch):
    """make_case acts for the branch directly under the town through its own secretary and its own
    committee account (a grassroots branch reviews its cases itself, as in the demo)."""
    import conftest
    from pipeline.accounts.models import User
    for username, role in (("sec_direct", "secretary"), ("com_direct", "committee")):
        user = User(username=username, display_name=username.upper(), role=role, unit=world.branch_direct,
                    password_hash=conftest.password_hash())
        db.session.add(user)
        world.users[username] = user
    db.session.commit()
    original = conftest.actor_for

    def actor_for(world_, who, branch):
        if branch.id == world.branch_direct.id and who in ("sec", "com"):
            return world[f"{who}_direct"]
        return original(world_, who, branch)

    monkeypatch.setattr(conftest, "actor_for", actor_for)
    return world


@pytest.fixture
def admitted_2022(world, direct_actors, make_case):
    """Ceremonies on 10/02/2022 (FORWARD_ACTS): 2 in a1, 1 in a2, 1 in b1, 1 directly under the town;
    the pool: a1 in training, a2 with a dossier, b1 awaiting the committee (voted)."""
    for branch in (world.branch_a1, world.branch_a1, world.branch_a2, world.branch_b1, world.branch_direct):
        make_case("probation", branch=branch, full_name=NAMES[branch.code])
    make_case("training", branch=world.branch_a1, full_name=NAMES["branch_a1"])
    make_case("dossier", branch=world.branch_a2, full_name=NAMES["branch_a2"])
    make_case("committee_review", branch=world.branch_b1, full_name=NAMES["branch_b1"])
    add_quota(world.town, 2022, 4)
    add_quota(world.commune_a, 2022, 1, 2)
    add_quota(world.commune_b, 2022, 2)
    return world


def _cells(row_html):
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())
            for cell in re.findall(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", row_html, re.S)]


def unit_rows(response, table_id="units"):
    """unit code -> the cells of its row in the table (subordinate units, then the total)."""
    page = response.get_data(as_text=True)
    table = re.search(r'<table[^>]*id="%s".*?</table>' % re.escape(table_id), page, re.S)
    assert table, f"no table #{table_id}"
    return {code: _cells(row) for code, row in
            re.findall(r'<tr data-unit="([^"]+)">(.*?)</tr>', table.group(0), re.S)}


def row_of(response, code, table_id="units"):
    return unit_rows(response, table_id)[code]


def xlsx_rows(response):
    """(header, rows) of the sheet's table: the title rows above its header are for people."""
    rows = sheet_table(response.data)
    return rows[0], rows[1:]


def as_page_cells(row):
    """An exported row written as the page writes it: quota "6–8", "150% of the upper end (8)",
    "4 above the upper end" (the end of a range compared against is a column of its own)."""
    name, kind, low, high, admitted, fraction, compared, difference, *pool = row
    quota = "—" if low is None else (str(low) if low == high else f"{low}–{high}")
    percent = "—" if fraction is None else f"{round(fraction * 100)}%"
    if compared:
        percent += f" of the {compared}"
    end = f" the {compared.split(' (')[0]}" if compared else ""
    if difference is None:
        above = "—"
    elif difference > 0:
        above = f"{difference} above{end}"
    elif difference < 0:
        above = f"{-difference} below{end}"
    else:
        above = "within the range" if compared else "within the quota"
    return [name, kind, quota, str(admitted), percent, above, *(str(n) for n in pool)]
