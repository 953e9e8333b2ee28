"""The generated organisation: a national top, the 34 provinces, their communes, wards and special
zones, a few grassroots committees (with sub-committees) under communes, and the branches; the
accounts, the provinces' training classes and the quotas. Units, accounts and classes are built
in memory with their ids (the database is empty), then written with one INSERT per table; the
units' and accounts' chains start with their "created" rows, as `record_created_rows` writes them."""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import insert

from pipeline.accounts.chain import change_hash as account_change_hash, initial_state as account_state
from pipeline.accounts.models import AccountChange, User, hash_password
from pipeline.extensions import db
from pipeline.generate import names
from pipeline.quotas.models import Quota, QuotaChange
from pipeline.training.models import TrainingClass
from pipeline.units.chain import record_created_rows
from pipeline.units.models import BRANCH_KINDS, Unit, UnitVersion

GENESIS_HASH = "0" * 64
VALID_FROM = date(2000, 1, 1)
COMMUNE_KINDS = (("commune", 0.78), ("ward", 0.21), ("special_zone", 0.01))
# Branch kinds by the kind of unit above them (weights).
BRANCH_MIX = {
    "commune": {"village": 60, "school": 12, "military": 6, "police": 6, "agency": 8, "enterprise": 6, "quarter": 2},
    "ward": {"quarter": 60, "school": 12, "military": 5, "police": 6, "agency": 10, "enterprise": 7},
    "special_zone": {"village": 40, "quarter": 20, "military": 15, "police": 10, "school": 10, "agency": 5},
    "committee": {"agency": 40, "enterprise": 40, "school": 20},
    "subcommittee": {"agency": 40, "enterprise": 40, "school": 20},
}
MEMBERS = {"village": (22, 65), "quarter": (28, 80), "school": (9, 28), "military": (6, 15),
           "police": (8, 24), "agency": (8, 22), "enterprise": (9, 22)}
SECRETARY_SHARE = 0.1  # branches with a secretary's account; the others' acts are their committee's
CLASS_YEARS = 6  # the provinces' monthly classes reach this far back


@dataclass
class Actor:
    """An account as the log rows need it (the replay reads the recorder's display name)."""
    id: int
    display_name: str


@dataclass
class Organisation:
    top: Unit
    provinces: list = field(default_factory=list)
    communes: list = field(default_factory=list)  # communes, wards and special zones
    committees: list = field(default_factory=list)  # grassroots committees and sub-committees
    branches: list = field(default_factory=list)
    committee_size: dict = field(default_factory=dict)  # unit id -> members of its committee
    accounts: dict = field(default_factory=dict)  # ("board" | "committee" | "secretary", unit id) -> Actor
    classes: dict = field(default_factory=dict)  # province id -> its TrainingClass rows, by start
    users: list = field(default_factory=list)
    _by_id: dict = field(default_factory=dict, repr=False)

    @property
    def units(self):
        return [self.top, *self.provinces, *self.communes, *self.committees, *self.branches]

    def province_of(self, unit):
        return self._by_id[int(unit.path.strip("/").split("/")[1])]

    def deciding_unit(self, branch):
        """The nearest unit above the branch that decides admissions: its commune."""
        return self._by_id[int(branch.path.strip("/").split("/")[2])]

    def grassroots(self, branch):
        """The grassroots committee that reviews the branch's cases (above a sub-committee, its committee)."""
        parent = branch.parent
        return parent.parent if parent.kind == "subcommittee" else parent

    def index(self):
        self._by_id = {unit.id: unit for unit in self.units}


def sizes(units):
    """How many units of each level make `units` in all (the national shape at 60,000)."""
    provinces = min(len(names.PROVINCES), max(2, units // 40))
    communes = max(provinces, round(units * 0.055))
    committees, subcommittees = max(1, units // 400), max(1, units // 2000)
    branches = units - 1 - provinces - communes - committees - subcommittees
    if branches < len(BRANCH_KINDS) + communes + committees + subcommittees:
        raise ValueError(f"{units} units are too few for the national shape (give at least 60)")
    return provinces, communes, committees, subcommittees, branches


def _weighted(rng, weights):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class _Builder:
    """Units numbered from 1 in the order made (parents first), with their paths."""

    def __init__(self):
        self.next_id = 1

    def unit(self, code, name, kind, parent=None, decides=False):
        unit = Unit(id=self.next_id, code=code, name=name, kind=kind, parent=parent, decides_admissions=decides,
                    valid_from=VALID_FROM, valid_to=None, official_members=None)
        unit.parent_id = parent.id if parent else None
        unit.path = (parent.path if parent else "/") + f"{unit.id}/"
        unit.depth = parent.depth + 1 if parent else 0
        self.next_id += 1
        return unit


def build_tree(total, rng):
    """The units (transient, with their ids and paths)."""
    n_provinces, n_communes, n_committees, n_subcommittees, n_branches = sizes(total)
    build = _Builder()
    org = Organisation(build.unit("tw", "Đảng bộ toàn quốc (Ban Tổ chức Trung ương)", "province"))
    for number, (name, city) in enumerate(names.PROVINCES[:n_provinces], start=1):
        org.provinces.append(build.unit(f"p{number:02d}", names.province_name(name, city), "province", org.top,
                                        decides=True))
    for number in range(n_communes):
        kind = COMMUNE_KINDS[number][0] if number < len(COMMUNE_KINDS) else _weighted(rng, dict(COMMUNE_KINDS))
        province = org.provinces[number % n_provinces]
        org.communes.append(build.unit(f"{province.code}-x{number + 1:04d}", names.commune_name(kind, number + 1),
                                       kind, province, decides=True))
    for number in range(n_committees):
        commune = org.communes[rng.randrange(n_communes)]
        org.committees.append(build.unit(f"{commune.code}-d{number + 1}", f"Đảng bộ Khối cơ sở {number + 1}",
                                         "committee", commune))
    for number in range(n_subcommittees):
        committee = org.committees[number % n_committees]
        org.committees.append(build.unit(f"{committee.code}-b{number + 1}", f"Đảng ủy bộ phận {number + 1}",
                                         "subcommittee", committee))
    for unit in org.communes + org.committees:
        org.committee_size[unit.id] = rng.randint(9, 15)
    # Every committee and commune gets a branch, then the rest go mostly to communes.
    parents = org.committees + org.communes
    for number in range(n_branches):
        if number < len(parents):
            parent = parents[number]
        elif rng.random() < 0.05:
            parent = org.committees[rng.randrange(len(org.committees))]
        else:
            parent = org.communes[rng.randrange(n_communes)]
        kind = _weighted(rng, BRANCH_MIX[parent.kind])
        if number >= len(parents) and number - len(parents) < len(BRANCH_KINDS):
            kind = BRANCH_KINDS[number - len(parents)]  # every branch kind at least once
        branch = build.unit(f"{parent.code}-c{number + 1}", names.BRANCH_NAME[kind].format(n=number + 1), kind,
                            parent)
        low, high = MEMBERS[kind]
        branch.official_members = rng.randint(low, high)
        org.branches.append(branch)
    org.index()
    return org


def build_accounts(org, rng, password):
    """An administrator and a board at the top, a board per province, a committee account per
    commune and grassroots committee, a secretary for some branches; one password hash for all."""
    password_hash = hash_password(password)
    specs = [("admin", "admin", org.top, "Quản trị hệ thống"), ("tw", "board", org.top, "Ban Tổ chức Trung ương")]
    specs += [(f"btc-{p.code}", "board", p, "Ban Tổ chức " + p.name.removeprefix("Đảng bộ ")) for p in org.provinces]
    specs += [(u.code, "committee", u, "Văn phòng " + u.name) for u in org.communes + org.committees
              if u.kind != "subcommittee"]
    secretaries = [b for b in org.branches if rng.random() < SECRETARY_SHARE] or org.branches[:1]
    specs += [(b.code, "secretary", b, "Bí thư " + b.name) for b in secretaries]
    now = datetime.utcnow()
    for user_id, (username, role, unit, display_name) in enumerate(specs, start=1):
        org.users.append(dict(id=user_id, username=username, password_hash=password_hash, display_name=display_name,
                              role=role, unit_id=unit.id, active=True, created_at=now))
        org.accounts[(role, unit.id)] = Actor(user_id, display_name)


def build_classes(org, today):
    """Each province's monthly class (two weeks from the first Monday), for CLASS_YEARS back and
    two months ahead."""
    first = date(today.year - CLASS_YEARS, 1, 1)
    months = (today.year - first.year) * 12 + today.month + 2
    next_id = 1
    for province in org.provinces:
        org.classes[province.id] = []
        for month in range(months):
            year, month_of_year = first.year + month // 12, month % 12 + 1
            start = date(year, month_of_year, 1)
            start += timedelta(days=(7 - start.weekday()) % 7)
            org.classes[province.id].append(TrainingClass(
                id=next_id, name=f"Lớp bồi dưỡng nhận thức về Đảng khóa {month_of_year}/{year}",
                organiser_unit=province, organiser_unit_id=province.id,
                organiser_name="Trường Chính trị " + province.name.removeprefix("Đảng bộ "),
                place="Hội trường Trường Chính trị", starts_on=start, ends_on=start + timedelta(days=11),
                created_at=datetime.combine(start - timedelta(days=20), datetime.min.time())))
            next_id += 1


def write_organisation(org, today, cases):
    """Every row of the organisation, one INSERT per table, inside the caller's transaction."""
    units = org.units
    columns = ("id", "code", "name", "kind", "parent_id", "path", "depth", "decides_admissions",
               "official_members", "valid_from", "valid_to")
    db.session.execute(insert(Unit), [{c: getattr(u, c) for c in columns} for u in units])
    db.session.execute(insert(UnitVersion), [dict(unit_id=u.id, starts_on=u.valid_from, ends_on=None,
                                                  **{n: getattr(u, n) for n in UnitVersion.PLACED}) for u in units])
    record_created_rows(units)
    db.session.execute(insert(User), org.users)
    _account_chains(org.users)
    db.session.execute(insert(TrainingClass), [
        {c: getattr(k, c) for c in ("id", "name", "organiser_unit_id", "organiser_name", "place", "starts_on",
                                    "ends_on", "created_at")}
        for classes in org.classes.values() for k in classes])
    _quotas(org, today, cases)


def _account_chains(users):
    rows = []
    for user in users:
        row = AccountChange(user_id=user["id"], actor_id=None, action="created", reason="",
                            changes=account_state(User(**{k: user[k] for k in ("display_name", "role", "unit_id",
                                                                               "active")})),
                            recorded_at=user["created_at"], prev_hash=GENESIS_HASH)
        row.hash = account_change_hash(row)
        rows.append({c: getattr(row, c) for c in ("user_id", "actor_id", "action", "changes", "reason",
                                                  "recorded_at", "prev_hash", "hash")})
    db.session.execute(insert(AccountChange), rows)


def _quotas(org, today, cases):
    """Last year's and this year's quotas: each commune's from its branches' share of the cases
    (about a tenth admitted a year), each province's the sum, set by the level above."""
    per_branch = cases / max(1, len(org.branches))
    branches_under = {}
    for branch in org.branches:
        commune = org.deciding_unit(branch)
        branches_under[commune.id] = branches_under.get(commune.id, 0) + 1
    rows, by_province = [], {}
    for commune in org.communes:
        low = max(1, round(branches_under.get(commune.id, 0) * per_branch * 0.08))
        rows.append((commune.id, low, round(low * 1.3) + 1, commune.parent_id))
        by_province[commune.parent_id] = by_province.get(commune.parent_id, 0) + low
    rows += [(p.id, by_province.get(p.id, 1), round(by_province.get(p.id, 1) * 1.3) + 1, org.top.id)
             for p in org.provinces]
    quotas, changes = [], []
    for year in (today.year - 1, today.year):
        recorded = datetime(year, 1, 10, 1, 30)  # 08:30 in Vietnam
        for unit_id, low, high, set_by in rows:
            values = dict(unit_id=unit_id, year=year, minimum=low, maximum=high, set_by_unit_id=set_by)
            quotas.append(values)
            changes.append(dict(values, recorded_at=recorded))
    db.session.execute(insert(Quota), quotas)
    db.session.execute(insert(QuotaChange), changes)
