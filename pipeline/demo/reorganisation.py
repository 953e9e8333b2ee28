"""The demo's second scenario: the reorganisation of 1 July 2025, applied to the Điện Bàn demo
(`flask --app wsgi demo --scenario reorganisation-2025`).

What happened (DOMAIN.md §1): Quảng Nam was merged into the city of Đà Nẵng, the district level
was abolished (the town of Điện Bàn with it), and the town's twenty communes and wards were
merged into six commune-level units directly under the city: phường Điện Bàn, Điện Bàn Đông, An
Thắng, Điện Bàn Bắc, xã Điện Bàn Tây and xã Gò Nổi (Nghị quyết 1659/NQ-UBTVQH15 of 16/6/2025 on
the commune-level units of Đà Nẵng, in force 1/7/2025). Their party committees are directly under
the city's, and their standing committees decide admissions from that day (Quy định 294-QĐ/TW,
Hướng dẫn 06-HD/TW). Sources read for the names and the merges:

- the new names, NQ 1659: https://news.laodong.vn/thoi-su/da-nang-co-dac-khu-hoang-sa-va-23-phuong-70-xa-sau-sap-xep-1524691.ldo
  and https://www.vietnam.vn/en/nghi-quyet-cua-quoc-hoi-ve-don-vi-hanh-chinh-cap-xa-thanh-pho-da-nang-nam-2025
  (Báo Đà Nẵng, 16/6/2025);
- An Thắng from Điện An, Điện Thắng Trung and Điện Thắng Nam, by its own site:
  https://anthang.danang.gov.vn/gioi-thieu-chung/lich-su-hinh-thanh-va-phat-trien.html, and its
  first party congress (18/7/2025): https://baodanang.vn/phuong-an-thang-tap-trung-khai-thac-hieu-qua-tiem-nang-thuc-day-phat-trien-kinh-te-3297184.html;
- the other five groupings as an open data set on GitHub transcribes NQ 1659 (all six, An Thắng
  as above); a second one agrees on Điện Bàn, Điện Bàn Đông, Điện Bàn Bắc and Điện Bàn Tây, and
  Gò Nổi is the only one left for the remaining three (Điện Phong, Điện Trung, Điện Quang). The
  resolution's own text was not read in full.

What is illustrative: the police and military branches of the old communes merged into one of
each per new unit (the commune police and military commands were regrouped with the communes,
but the demo's branches are invented, DOMAIN.md §5), and the units that were directly under the
town (its police, military, agencies, a school, an enterprise), which stay directly under the
top unit as they were. The top unit keeps its kind ("town": the tree has no province kind) and
is renamed for the city's party organisation on the old town's ground; its standing committee
still decides for the units directly under it.

Everything goes through the operations an administrator uses, as the demo's administrator
(`admin`), in one transaction, dated 1/7/2025: the new units are created (`create_unit`), the
branches merged (`plan_merge` into a `NewUnit`, whose open cases move with a log entry each),
then the old communes merged into the new ones (their branches and committee accounts move;
they end on 30/6/2025). The top unit is renamed from the command line (`update_unit`, actor
None: no administrator changes their own top unit). The accounts' operations need an
administrator, hence `admin` rather than the command line for the rest."""
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import select

from pipeline.accounts.models import User
from pipeline.base import clock
from pipeline.demo import organisation as org
from pipeline.extensions import db
from pipeline.transaction import one_transaction
from pipeline.units.models import Unit
from pipeline.units.operations import create_unit, update_unit
from pipeline.units.reorganise import NewUnit, carry_out, plan_merge

REORGANISATION_DAY = date(2025, 7, 1)
# The day to serve the scenario on: after the reorganisation, before the new committees' first
# congresses (mid-July 2025).
SERVE_TODAY = date(2025, 7, 15)
CITY_NAME = "Đảng bộ thành phố Đà Nẵng (địa bàn thị xã Điện Bàn cũ)"
REASON = ("Sắp xếp đơn vị hành chính cấp xã theo Nghị quyết số 1659/NQ-UBTVQH15 ngày 16/6/2025; "
          "tổ chức đảng theo Quy định số 294-QĐ/TW, hiệu lực từ ngày 01/07/2025")
TOP_REASON = ("Không tổ chức cấp huyện; sáp nhập tỉnh Quảng Nam vào thành phố Đà Nẵng, hiệu lực từ ngày "
              "01/07/2025")


@dataclass(frozen=True)
class NewCommune:
    """A commune-level unit of 1/7/2025 and the demo's communes and wards merged into it."""
    code: str
    kind: str  # ward | commune
    place: str
    formerly: tuple  # codes of pipeline.demo.organisation's communes and wards

    @property
    def label(self):
        return ("phường " if self.kind == "ward" else "xã ") + self.place

    @property
    def name(self):
        return f"Đảng bộ {self.label}"


NEW_COMMUNES = (
    NewCommune("phuong-dienban", "ward", "Điện Bàn", ("vinhdien", "dienminh", "dienphuong")),
    NewCommune("phuong-dienbandong", "ward", "Điện Bàn Đông",
               ("diennamdong", "diennamtrung", "dienduong", "dienngoc", "diennambac")),
    NewCommune("phuong-anthang", "ward", "An Thắng", ("dienan", "dienthangnam", "dienthangtrung")),
    NewCommune("phuong-dienbanbac", "ward", "Điện Bàn Bắc", ("dienthangbac", "dienhoa", "dientien")),
    NewCommune("xa-dienbantay", "commune", "Điện Bàn Tây", ("dienhong", "dientho", "dienphuoc")),
    NewCommune("xa-gonoi", "commune", "Gò Nổi", ("dienphong", "dientrung", "dienquang")),
)
# The branches merged per new unit (illustrative): code suffix, kind, name before the place.
MERGED_BRANCHES = (("congan", "police", "Chi bộ Công an"), ("quansu", "military", "Chi bộ Quân sự"))


@dataclass
class Outcome:
    communes: list  # the new units, as created
    branches: int = 0  # branches merged away
    cases: int = 0  # open cases moved with a log entry each
    accounts: int = 0  # accounts moved to a new unit

    def summary(self):
        names = ", ".join(commune.label for commune in NEW_COMMUNES)
        ended = sum(len(commune.formerly) for commune in NEW_COMMUNES)
        return (f"Reorganisation of {REORGANISATION_DAY:%d/%m/%Y} applied (NQ 1659/NQ-UBTVQH15, QĐ 294-QĐ/TW): "
                f"the top unit is now {CITY_NAME}; its {ended} communes and wards merged into {len(self.communes)} "
                f"({names}), whose committees decide admissions; {self.branches} police and military branches "
                f"merged into {len(self.communes) * len(MERGED_BRANCHES)}; {self.cases} open cases moved with a log "
                f"entry each; {self.accounts} committee accounts moved to the new units.")


def apply_reorganisation():
    """Apply the reorganisation to the loaded demo, all of it or nothing; returns the Outcome.
    The clock stands on 1/7/2025 meanwhile when it reads an earlier day (a reorganisation is
    recorded once it has taken effect)."""
    with _clock_at_least(REORGANISATION_DAY), one_transaction():
        admin = db.session.execute(select(User).where(User.username == "admin")).scalar_one()
        units = {unit.code: unit for unit in db.session.execute(select(Unit)).scalars()}
        top = units[org.TOWN_CODE]
        update_unit(None, top, CITY_NAME, top.decides_admissions, top.official_members, TOP_REASON,
                    effective_date=REORGANISATION_DAY)
        outcome = Outcome([])
        for spec in NEW_COMMUNES:
            _reorganise(admin, top, spec, units, outcome)
    return outcome


def _reorganise(admin, top, spec, units, outcome):
    """One new unit: created, the old units' police and military branches merged into one of each
    below it, then the old units merged into it (their other branches and accounts move)."""
    commune = create_unit(admin, spec.code, spec.name, spec.kind, top, decides_admissions=True,
                          valid_from=REORGANISATION_DAY)
    outcome.communes.append(commune)
    for suffix, kind, name in MERGED_BRANCHES:
        merged = [units[f"{code}-{suffix}"] for code in spec.formerly]
        into = NewUnit(f"{spec.code}-{suffix}", f"{name} {spec.label}", kind, commune)
        plan = _merge(admin, merged, into)
        outcome.branches += len(merged)
        outcome.cases += len(plan.cases)
    plan = _merge(admin, [units[code] for code in spec.formerly], commune)
    outcome.accounts += len(plan.accounts)


def _merge(admin, ending, successor):
    return carry_out(admin, lambda: plan_merge(admin, ending, successor, REORGANISATION_DAY, "move"), REASON)


@contextmanager
def _clock_at_least(day):
    """Stand on `day` while the block runs if today is earlier; the setting is put back after."""
    config = current_app.config
    missing = object()
    saved = config.get("TODAY", missing)
    if clock.today() < day:
        config["TODAY"] = day
    try:
        yield
    finally:
        if saved is missing:
            config.pop("TODAY", None)
        else:
            config["TODAY"] = saved
