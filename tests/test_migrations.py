"""The schema comes from migrations: they reach the models' shape and go down and up again
on a database that holds data (SQLite rebuilds tables for some changes)."""
import hashlib
import os

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select

from pipeline.accounts.models import AccountChange, User
from pipeline.audit.replayed import account_differences
from pipeline.audit.verify import verify
from pipeline.base.signing import key_fingerprint, key_path, read_key_file
from pipeline.cases.models import Case
from pipeline.workflow.log import load_log, verify_chain
from pipeline.workflow.models import LogEntry, LogKey, entry_payload
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


def test_upgrading_refolds_names_in_other_scripts(app, make_case):
    """Hangul used to be folded into jamo (three times as long, and not found by a search)."""
    import unicodedata
    from pipeline.base.text import fold
    hangul, latin = make_case(full_name="김민준").id, make_case(full_name="Phùng Tấn Thắng").id
    old = unicodedata.normalize("NFD", "김민준")
    db.session.execute(sa.update(Case).where(Case.id == hangul).values(name_folded=old, sort_given_first="x"))
    db.session.commit()
    db.session.remove()
    downgrade(revision="0009")
    upgrade()
    case = db.session.get(Case, hangul)
    assert case.name_folded == fold("김민준") == "김민준" and case.sort_given_first == name_sort_key("김민준")
    assert db.session.get(Case, latin).name_folded == "phung tan thang"


def old_log(case_id):
    """A case's log read at an older revision: its rows only, without the actor and unit that
    load_log joins (their tables had fewer columns then, e.g. unit.official_members from 0011)."""
    return db.session.execute(select(LogEntry).where(LogEntry.case_id == case_id).order_by(LogEntry.seq)
                              .options(sa.orm.lazyload("*"))).scalars().all()


def plain_chain_holds(case_id):
    """Whether the case's chain holds under the hash of before 0008 (SHA-256, no key)."""
    prev = "0" * 64
    for row in old_log(case_id):
        if row.prev_hash != prev or hashlib.sha256(entry_payload(row).encode("utf-8")).hexdigest() != row.hash:
            return False
        prev = row.hash
    return True


def test_upgrading_seals_the_old_chains_with_the_key_but_leaves_a_broken_one(app, world, make_case):
    """0008 re-seals each case's chain with the log key only when its old chain holds: a chain
    tampered with before the upgrade stays broken, and verification names it."""
    accounts, secretary, town = len(world.users), world["sec_a1"].id, world.town.id
    good = make_case("dossier").id
    bad = make_case("dossier", full_name="Trần Văn Bình").id
    db.session.remove()
    downgrade(revision="0007")
    assert plain_chain_holds(good) and plain_chain_holds(bad)
    db.session.remove()
    guard = "case_event_append_only" if db.engine.dialect.name == "postgresql" else None
    with db.engine.begin() as conn:
        if guard:
            conn.execute(sa.text(f"ALTER TABLE case_event DISABLE TRIGGER {guard}"))
        else:
            conn.execute(sa.text("DROP TRIGGER case_event_no_update"))
        conn.execute(sa.text("UPDATE case_event SET reason = 'sửa lén' WHERE candidate_id = :id AND seq = 3"),
                     {"id": bad})
        if guard:
            conn.execute(sa.text(f"ALTER TABLE case_event ENABLE TRIGGER {guard}"))
        else:
            conn.execute(sa.text("CREATE TRIGGER case_event_no_update BEFORE UPDATE ON case_event "
                                 "BEGIN SELECT RAISE(ABORT, 'case_event is append-only: UPDATE refused'); END"))
        # An account made behind the application's back, before its history was chained.
        conn.execute(sa.text("INSERT INTO user_account (username, password_hash, display_name, role, unit_id, "
                             "active, created_at) VALUES ('cu', 'x', 'Tài khoản cũ', 'board', :unit, :yes, "
                             "CURRENT_TIMESTAMP)"), {"unit": town, "yes": True})
    bad_hashes = [row.hash for row in old_log(bad)]
    db.session.remove()
    upgrade()
    assert verify_chain(load_log(good)) is None  # sealed with the key
    assert not plain_chain_holds(good)
    assert [row.hash for row in load_log(bad)] == bad_hashes  # left as it was: not laundered
    assert verify_chain(load_log(bad)) is not None
    broken = [b for b in verify().breaks if b.case_id == bad]
    assert [(b.seq, b.kind) for b in broken] == [(3, "edited")] and len(verify().breaks) == 1
    # Every account's history is a chain now, starting with its state; the tables agree with it.
    assert account_differences() == (accounts + 1, [])
    baseline = db.session.execute(select(AccountChange).join(User, User.id == AccountChange.user_id)
                                  .where(User.username == "cu")).scalar_one()
    assert baseline.action == "created" and baseline.changes == {
        "display_name": [None, "Tài khoản cũ"], "role": [None, "board"], "unit_id": [None, town],
        "active": [None, True]}
    created = db.session.execute(select(AccountChange).where(AccountChange.user_id == secretary)).scalar_one()
    assert created.action == "created" and created.changes["role"] == [None, "secretary"]


def test_upgrading_creates_the_log_key_and_stores_its_fingerprint(app, tmp_path):
    app.config["LOG_KEY"] = None  # a new instance: no key yet
    db.session.remove()
    downgrade(revision="0007")
    upgrade()
    key = read_key_file(app.instance_path)
    assert key and app.config["LOG_KEY"] == key
    assert oct(os.stat(key_path(app.instance_path)).st_mode & 0o777) == "0o600"
    assert db.session.scalar(select(LogKey.fingerprint).order_by(LogKey.id.desc())) == key_fingerprint(key)


def test_upgrading_starts_every_units_history_with_its_state(app, world):
    """0011: every unit already there gets a "created" row recording its state then, sealed with
    the log key, so that `audit verify` finds its row and its history agreeing."""
    from pipeline.audit.replayed import unit_differences
    from pipeline.units.models import UnitChange
    branch, town = world.branch_a1.id, world.town.id
    db.session.execute(sa.update(Unit).where(Unit.code == "branch_a1").values(name="Chi bộ thôn A1 đổi tên"))
    db.session.commit()
    db.session.remove()
    downgrade(revision="0010")
    upgrade()
    assert unit_differences() == (len(world.UNITS), [])
    rows = db.session.execute(select(UnitChange).order_by(UnitChange.unit_id)).scalars().all()
    assert [r.action for r in rows] == ["created"] * len(world.UNITS)
    renamed = next(r for r in rows if r.unit_id == branch)
    assert renamed.changes["name"] == [None, "Chi bộ thôn A1 đổi tên"] and renamed.changes["kind"] == [None, "village"]
    assert db.session.get(Unit, town).official_members is None


def test_upgrading_gives_every_unit_its_present_period_and_the_kinds_since_2025(app, world):
    """0012: each unit already there gets one period, from its start, as it is named and placed;
    0013: a province's organisation and a special zone are kinds a unit may have."""
    from pipeline.audit.replayed import period_differences
    from pipeline.units.models import UnitVersion, add_unit
    db.session.remove()
    downgrade(revision="0011")
    upgrade()
    periods = db.session.execute(select(UnitVersion).order_by(UnitVersion.unit_id)).scalars().all()
    assert len(periods) == len(world.UNITS) and period_differences() == []
    assert {p.starts_on for p in periods} == {db.session.get(Unit, world.town.id).valid_from}
    add_unit("dn", "Đảng bộ thành phố Đà Nẵng", "province")
    add_unit("hs", "Đảng bộ đặc khu Hoàng Sa", "special_zone", parent=db.session.get(Unit, world.town.id))
    db.session.commit()
    db.session.remove()
    with pytest.raises(SystemExit):  # refused: the province would stand outside the older CHECK
        downgrade(revision="0012")
    db.session.remove()
    assert db.session.scalar(select(func.count(Unit.id)).where(Unit.kind == "province")) == 1


def test_upgrading_gives_every_case_its_head_and_its_next_act_the_state(app, world, make_case):
    """0018: each existing case's newest log row becomes its snapshot's head (the chain-head
    digests read it); its state is written by its next act, judged on the replayed log."""
    from datetime import date as day
    from pipeline.dossier.operations import DocumentEntry, record_document
    from pipeline.workflow.log import load_log
    from pipeline.workflow.models import CaseSnapshot
    from pipeline.workflow.projection import differences
    from pipeline.workflow.snapshot import FORMAT
    case_id, secretary_id = make_case("dossier").id, world["sec_a1"].id
    db.session.remove()
    downgrade(revision="0017")
    upgrade()
    newest = load_log(case_id)[-1]
    snapshot = db.session.get(CaseSnapshot, case_id)
    assert (snapshot.head_seq, snapshot.head_hash, snapshot.format, snapshot.state) == (
        newest.seq, newest.hash, 0, None)
    assert differences([case_id]) == {}
    secretary = db.session.get(User, secretary_id)
    record_document(case_id, secretary, DocumentEntry("1-KNĐ", received=True, received_on=day(2021, 9, 20),
                                                      note="sau nâng cấp"))
    db.session.expire_all()
    snapshot = db.session.get(CaseSnapshot, case_id)
    assert snapshot.format == FORMAT and snapshot.head_seq == newest.seq + 1
    assert differences([case_id]) == {}
