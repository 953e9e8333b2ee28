"""Each demo account, logged in, sees exactly the cases of its own subtree and nothing else."""
import re

import sqlalchemy as sa

from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.units.models import Unit

ACCOUNTS = {"btc": "dienban", "admin": "dienban", "dienhoa": "dienhoa", "dienduong": "dienduong",
            "hatay2": "hatay2", "tankhai": "tankhai"}


def cases_under(code):
    root = db.session.execute(sa.select(Unit).filter_by(code=code)).scalar_one()
    return db.session.execute(
        sa.select(Case.id).join(Unit, Case.branch_id == Unit.id)
        .where(Unit.path.startswith(root.path))).scalars().all()


def test_each_demo_account_sees_its_own_subtree_only(app, demo, client):
    all_ids = set(db.session.execute(sa.select(Case.id)).scalars())
    for username, unit_code in ACCOUNTS.items():
        inside = set(cases_under(unit_code))
        outside = all_ids - inside
        assert inside, username
        client.post("/login?lang=en", data={"username": username, "password": "demo"},
                               follow_redirects=True)
        listing = client.get("/candidates/?lang=en").get_data(as_text=True)
        shown = int(re.search(r"(\d+) candidates?", listing).group(1))
        assert shown == len(inside), username
        assert client.get(f"/candidates/{min(inside)}").status_code == 200, username
        if outside:
            assert client.get(f"/candidates/{min(outside)}").status_code == 404, username
            assert client.get(f"/candidates/{max(outside)}").status_code == 404, username
        client.post("/logout")
    # Hà Tây 2's secretary sees a handful of cases, all of them Hà Tây 2's.
    assert 0 < len(cases_under("hatay2")) < len(cases_under("dienhoa")) < len(all_ids)
