"""What happened to every demo case, as plans of dated acts (DOMAIN.md §5).

The log the loader writes from these plans reproduces the article on Điện Bàn in 2022:

- 134 admission ceremonies between 1/1 and 30/9/2022, 134% of the town's quota of 100: 117 in
  the branches of the commune and ward committees and 17 in the units directly under the town;
  xã Điện Hòa 12 (1 military, 2 school, 9 village branches, Hà Tây 2 among them with 2),
  phường Điện Dương 11 (5 in urban-quarter branches, 6 in school and military branches).
  Every one of them attended a 2021 training class (the 2021 rulebook starts on 30/7/2021, so
  the classes are those of August, October and December 2021).
- On 08/10/2022 Chi bộ khối phố Tân Khai held the ceremony of Phùng Tấn Thắng, deputy secretary
  of the quarter's Youth Union branch: after 30/9, so not among the 134; with him the 2022 total
  of the log is 135.
- The town's two training classes of 2022 ("khóa 1/2022" in April, "khóa 2/2022" from 17/10)
  had 136 attendees, the pool for 2023: at the snapshot date (31/10/2022) they are at the
  training, dossier, branch-vote, committee-review and decision stages, a few of them out of the
  pipeline (withdrawn, removed, rejected, back to nurturing after a failed vote); none admitted.
- Around them, a pool at every earlier stage, some stuck (spotted more than a year ago and never
  sent to a class, a dossier opened in 2021 and never considered, a decision overdue), the side
  exits with their reasons, and the admissions of late 2021: three recognised as official
  members in October 2022, four still on probation, one struck off.

Plans are plain data (branch codes, dates, act data) drawn from one `random.Random(seed)`, so
the same seed gives the same demo; the loader turns them into real acts.
"""
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from pipeline.demo import organisation as org
from pipeline.demo.dossier import add_documents
from pipeline.demo.people import People, nfc

SEED = 2022
SNAPSHOT = date(2022, 10, 31)  # "today" for the demo: every act is on or before it
LAST_ACT = date(2022, 10, 28)  # the pool's acts stop here
WINDOW = (date(2022, 1, 1), date(2022, 9, 30))
ORGANISER = "Trung tâm Chính trị thị xã Điện Bàn"
THANG_NAME = nfc("Phùng Tấn Thắng")
THANG_CEREMONY = date(2022, 10, 8)


@dataclass(frozen=True)
class TrainingClass:
    name: str
    short: str
    start: date
    end: date  # the certificate date
    last_day: date | None = None  # when the certificates come after the class

    @property
    def ends_on(self):
        return self.last_day or self.end


CLASS_NAME = "Lớp bồi dưỡng nhận thức về Đảng khóa {}"
CLASS_2021_2 = TrainingClass(CLASS_NAME.format("2/2021"), "K2-2021", date(2021, 8, 2), date(2021, 8, 13))
CLASS_2021_3 = TrainingClass(CLASS_NAME.format("3/2021"), "K3-2021", date(2021, 10, 11), date(2021, 10, 22))
CLASS_2021_4 = TrainingClass(CLASS_NAME.format("4/2021"), "K4-2021", date(2021, 12, 6), date(2021, 12, 17))
CLASS_2022_1 = TrainingClass(CLASS_NAME.format("1/2022"), "K1-2022", date(2022, 4, 18), date(2022, 4, 29))
# Runs 17–28/10/2022; the centre issues its certificates in November, after the snapshot.
CLASS_2022_2 = TrainingClass(CLASS_NAME.format("2/2022"), "K2-2022", date(2022, 10, 17), date(2022, 11, 11),
                             date(2022, 10, 28))
CLASSES_2021 = (CLASS_2021_2, CLASS_2021_3, CLASS_2021_4)
CLASSES_2022 = (CLASS_2022_1, CLASS_2022_2)
CLASS_PLACE = "Hội trường Trung tâm Chính trị thị xã Điện Bàn"

# Ceremonies 1/1–30/9/2022 by month (sums to 134): a lull at Tết, more around 3/2, 19/5 and 2/9.
CEREMONIES_BY_MONTH = {1: 13, 2: 9, 3: 17, 4: 15, 5: 19, 6: 15, 7: 14, 8: 16, 9: 16}

# Public holidays (Tết included) on which no office issues anything.
HOLIDAYS = {date(2021, 9, 2), date(2021, 9, 3), date(2022, 1, 1), date(2022, 1, 3),
            date(2022, 4, 11), date(2022, 5, 2), date(2022, 5, 3), date(2022, 9, 1), date(2022, 9, 2)}
HOLIDAYS |= {date(2022, 1, 29) + timedelta(days=n) for n in range(9)}  # Tết Nhâm Dần
TET = (date(2022, 1, 29), date(2022, 2, 6))

# Official members per branch, by kind (drawn once per branch).
MEMBERS = {"village": (22, 65), "quarter": (28, 80), "school": (9, 28), "military": (6, 15),
           "police": (8, 24), "agency": (8, 22), "enterprise": (9, 22)}
BRANCH_WEIGHT = {"village": 5, "quarter": 5, "school": 1.5, "military": 1, "police": 0.8, "agency": 1.5,
                 "enterprise": 1}

REASONS = {
    "failed_vote": [
        "Chi bộ đề nghị tiếp tục bồi dưỡng, thử thách thêm: quần chúng chưa tích cực tham gia sinh hoạt ở khu dân cư",
        "Nhiều đảng viên phản ánh quần chúng còn hạn chế trong quan hệ với nhân dân nơi cư trú; "
        "giao đảng viên giúp đỡ tiếp tục bồi dưỡng",
        "Quần chúng chưa hoàn thành tốt nhiệm vụ được giao trong năm; chi bộ xem xét lại sau 6 tháng",
        "Ý kiến nhận xét của chi hội nơi cư trú chưa thống nhất; chi bộ tiếp tục theo dõi, bồi dưỡng",
    ],
    "withdraw": [
        "Quần chúng có đơn xin rút vì đi làm việc theo hợp đồng tại Nhật Bản",
        "Chuyển công tác vào Thành phố Hồ Chí Minh; xin rút để làm lại hồ sơ ở nơi công tác mới",
        "Quần chúng xin rút vì hoàn cảnh gia đình khó khăn, chưa thể tham gia sinh hoạt đều đặn",
        "Quần chúng xin rút để đi học đại học tại Đà Nẵng, sẽ làm lại hồ sơ ở nơi học tập",
    ],
    "remove": [
        "Bị xử phạt vi phạm hành chính về hành vi đánh bạc; chi bộ đưa ra khỏi danh sách quần chúng ưu tú",
        "Không tham gia sinh hoạt đoàn thể 6 tháng liền, không còn đủ tiêu chuẩn quần chúng ưu tú",
        "Chuyển hộ khẩu và nơi ở khỏi địa bàn, chi bộ không còn theo dõi, bồi dưỡng được",
    ],
    "committee_rejects": [
        "Đảng ủy đề nghị chi bộ xác minh thêm đơn phản ánh về việc quần chúng tranh chấp đất đai với hộ liền kề",
        "Đảng ủy chưa thống nhất: quần chúng còn để xảy ra sai sót trong công tác chuyên môn năm 2021",
    ],
    "refuse": [
        "Kết quả thẩm tra lý lịch bổ sung: khai chưa đầy đủ quá trình công tác; "
        "Ban Thường vụ Thị ủy chưa xem xét kết nạp",
    ],
    "expire": [
        "Hồ sơ mở từ 13/08/2021, quá 12 tháng chi bộ chưa xét: giới thiệu và nghị quyết phải làm lại",
    ],
    "reopen": [
        "Chi bộ tiếp tục bồi dưỡng, giao đảng viên giúp đỡ, làm lại giới thiệu và nghị quyết",
    ],
    "strike_off": [
        "Tự ý bỏ sinh hoạt chi bộ ba tháng liền không có lý do chính đáng; "
        "chi bộ đề nghị xóa tên trong danh sách đảng viên dự bị",
    ],
}
VERIFICATION_NOTES = ["Lý lịch rõ ràng, đã thẩm tra", "Đã thẩm tra, xác minh lý lịch đúng sự thật",
                      "Lý lịch rõ ràng; gia đình chấp hành tốt chủ trương, pháp luật"]


@dataclass
class PlannedAct:
    name: str  # the act's (pipeline.workflow.definition)
    day: date
    data: dict = field(default_factory=dict)
    reason: str = ""
    by: str = "branch"  # branch | committee | board: who records it (the loader picks the account)
    # (sequence, key in data, format): numbered in date order once every plan is drawn
    number: tuple | None = None


@dataclass
class CasePlan:
    branch: str
    fields: dict
    spotted_on: date
    tag: str
    acts: list = field(default_factory=list)


def office_day_before(day):
    while day.weekday() >= 5 or day in HOLIDAYS:
        day -= timedelta(days=1)
    return day


def office_day_after(day):
    while day.weekday() >= 5 or day in HOLIDAYS:
        day += timedelta(days=1)
    return day


def days(n):
    return timedelta(days=int(n))


def votes_needed(total):
    return -(-2 * total // 3)  # ceil(2/3 of total)


class Story:
    def __init__(self, seed=SEED):
        self.rng = random.Random(seed)
        self.people = People(self.rng, reserved=[THANG_NAME])
        self.members = {}
        self.plans = []
        self.reason_turns = Counter()

    # --- particulars ------------------------------------------------------------------------

    def branch_members(self, code):
        if code not in self.members:
            low, high = MEMBERS[org.BRANCHES[code].kind]
            self.members[code] = self.rng.randint(low, high)
        return self.members[code]

    def residence(self, code):
        branch, grassroots = org.BRANCHES[code], org.BRANCH_TO_GRASSROOTS[code]
        if branch.kind in ("village", "quarter"):
            place, area = branch.place, grassroots.label
        else:
            if not grassroots.under_commune_or_ward:  # lives somewhere in the town
                grassroots = self.rng.choice([g for g in org.GRASSROOTS if g.under_commune_or_ward])
            homes = [b.place for b in grassroots.branches if b.kind in ("village", "quarter")]
            place, area = self.rng.choice(homes), grassroots.label
        return f"{place[0].upper()}{place[1:]}, {area}, thị xã Điện Bàn, tỉnh Quảng Nam"

    def new_case(self, code, considered_on, spotted_on, tag, **person):
        fields = self.people.candidate(org.BRANCHES[code].kind, self.residence(code), considered_on, **person)
        plan = CasePlan(code, fields, spotted_on, tag)
        self.plans.append(plan)
        return plan

    # --- acts ---------------------------------------------------------------------------------

    def enrol(self, plan, klass):
        plan.acts.append(PlannedAct("enrol_training", klass.start, {"class_name": klass.name, "organiser": ORGANISER}))

    def certify(self, plan, klass):
        # The centre issues the certificates; the organisation board records them for the class.
        plan.acts.append(PlannedAct("complete_training", klass.end, {"certificate_number": None}, by="board",
                             number=(("certificate", klass.short), "certificate_number",
                                     "{n:03d}/CN-" + klass.short)))

    def complete_dossier(self, plan, day):
        rng, youth = self.rng, plan.fields["youth_union_member"]
        grassroots = org.BRANCH_TO_GRASSROOTS[plan.branch]

        def introducer():
            since = day - relativedelta(months=rng.randint(13, 72)) - days(rng.randint(0, 27))
            # known since the candidate was sixteen at the earliest, and for over a year
            since = min(max(since, plan.fields["date_of_birth"] + relativedelta(years=16)),
                        day - relativedelta(months=13))
            return {"name": self.people.member_name(), "known_since": since, "official": True}

        # What the dossier says; pipeline.demo.dossier turns it into the documents recorded before the act.
        data = {"resume_verified": True,
                "resume_verification_note": rng.choice(VERIFICATION_NOTES),
                "youth_union_resolution": "", "introducers": [introducer()]}
        if youth:
            passed = office_day_before(day - days(rng.randint(3, 15)))
            data["youth_union_resolution"] = (f"Nghị quyết số {rng.randint(3, 40)}-NQ/ĐTN ngày "
                                              f"{passed:%d/%m/%Y} của Ban Chấp hành Đoàn {grassroots.label}")
        else:
            data["introducers"].append(introducer())
        plan.acts.append(PlannedAct("complete_dossier", day, data))

    def _count(self, plan, passes):
        rng = self.rng
        total = self.branch_members(plan.branch)
        needed = votes_needed(total)
        present = max(needed, total - rng.randint(0, max(1, total // 8)))
        if passes:  # admissions usually pass with few or no votes against
            votes_for = present - rng.randint(0, min(3, present - needed))
            against = rng.randint(0, present - votes_for)
        else:
            votes_for = max(0, needed - rng.randint(1, 4))
            against = present - votes_for
        return {"members_total": total, "members_present": present, "votes_for": votes_for,
                "votes_against": against}

    def branch_vote(self, plan, day, passes=True, reason=""):
        data = self._count(plan, passes) | {"resolution_number": None, "over_age_consent": ""}
        plan.acts.append(PlannedAct("record_branch_vote", day, data, reason,
                             number=(("branch", plan.branch, day.year), "resolution_number", "{n:02d}-NQ/CB")))

    def committee_review(self, plan, day, passes=True, reason="", name="record_committee_review"):
        rng, grassroots = self.rng, org.BRANCH_TO_GRASSROOTS[plan.branch]
        size = grassroots.committee_size
        needed = votes_needed(size)
        if passes:
            votes_for = size - rng.randint(0, min(2, size - needed))
            against = rng.randint(0, min(1, size - votes_for))
        else:
            votes_for = needed - rng.randint(1, 3)
            against = size - votes_for - rng.randint(0, 1)
        kind = "CB" if grassroots.is_branch else "ĐU"
        data = {"committee_size": size, "votes_for": votes_for, "votes_against": against, "resolution_number": None}
        if name == "record_committee_review":
            data["subcommittee_appraisal"] = ""
        plan.acts.append(PlannedAct(name, office_day_after(day), data, reason, by="committee",
                             number=(("committee", grassroots.code), "resolution_number", "{n}-NQ/" + kind)))

    def decision(self, plan, day, received):
        plan.acts.append(PlannedAct("record_decision", day, {"decision_number": None, "received_on": received},
                             by="board", number=(("town",), "decision_number", "{n}-QĐ/TU")))

    def ceremony(self, plan, day):
        branch = org.BRANCHES[plan.branch]
        place = branch.place
        if branch.kind in ("village", "quarter"):
            place = f"Nhà văn hóa {place}"
        elif not place.startswith(("Hội trường", "Phòng họp")):
            place = f"Hội trường {place}"
        plan.acts.append(PlannedAct("hold_ceremony", day, {"place": place}))

    def recognise(self, plan, ceremony_day):
        """The branch votes after the 12 months, the committee resolves, the town decides."""
        ends = ceremony_day + relativedelta(months=12)
        meeting = ends + days(self.rng.randint(2, 6))
        plan.acts.append(PlannedAct("record_recognition_vote", meeting, self._count(plan, True) | {"resolution_number": None},
                             number=(("branch", plan.branch, meeting.year), "resolution_number", "{n:02d}-NQ/CB")))
        reviewed = meeting + days(self.rng.randint(1, 3))
        self.committee_review(plan, reviewed, name="record_recognition_review")
        decided = office_day_after(reviewed + days(self.rng.randint(3, 8)))
        plan.acts.append(PlannedAct("recognise_official", decided, {"decision_number": None}, by="board",
                             number=(("town",), "decision_number", "{n}-QĐ/TU")))

    def reason(self, kind):
        """The reasons of a kind in turn, so that the pool does not repeat one story."""
        turn = self.reason_turns[kind]
        self.reason_turns[kind] += 1
        return REASONS[kind][turn % len(REASONS[kind])]

    def leave(self, plan, name, day, kind):
        plan.acts.append(PlannedAct(name, day, {}, self.reason(kind),
                             by="board" if name == "refuse_admission" else "branch"))

    # --- whole stories ------------------------------------------------------------------------

    def admitted(self, code, ceremony_day, tag, classes=CLASSES_2021, **person):
        """A case that reaches its ceremony on `ceremony_day`, scheduled backwards from it."""
        rng = self.rng
        for attempt in range(200):
            scale = 1.0 if attempt < 20 else 0.5 if attempt < 100 else 0.25
            received = ceremony_day - days(rng.randint(3, 18) * scale)
            decided = office_day_before(received - days(rng.randint(1, 5)))
            reviewed = office_day_before(decided - days(rng.randint(6, 24) * scale))
            voted = reviewed - days(rng.randint(5, 20) * scale)
            dossier = voted - days(rng.randint(7, 30) * scale)
            options = [k for k in classes
                       if k.end + days(14) <= dossier and voted < k.end + relativedelta(months=12)]
            if options:
                break
        else:
            raise RuntimeError(f"cannot schedule a ceremony on {ceremony_day}")
        klass = rng.choice(options)
        spotted = klass.start - days(rng.randint(40, 420))
        plan = self.new_case(code, voted, spotted, tag, **person)
        self.enrol(plan, klass)
        self.certify(plan, klass)
        self.complete_dossier(plan, dossier)
        self.branch_vote(plan, voted)
        self.committee_review(plan, reviewed)
        self.decision(plan, decided, received)
        self.ceremony(plan, ceremony_day)
        return plan

    def thang(self):
        """Phùng Tấn Thắng, Chi bộ khối phố Tân Khai, ceremony on 08/10/2022 (DOMAIN.md §5)."""
        fields = {
            "full_name": THANG_NAME, "date_of_birth": date(1998, 5, 12), "sex": "male", "ethnicity": "Kinh",
            "education": "upper_secondary", "occupation": "Phó Bí thư Chi đoàn khối phố Tân Khai",
            "residence": "Khối phố Tân Khai, phường Điện Dương, thị xã Điện Bàn, tỉnh Quảng Nam",
            "youth_union_member": True, "source_organisation": "youth_union",
            "helper_member": nfc("Nguyễn Văn Tám"),
        }
        plan = CasePlan("tankhai", fields, date(2021, 3, 26), "thang")
        self.plans.append(plan)
        self.enrol(plan, CLASS_2021_4)
        self.certify(plan, CLASS_2021_4)
        plan.acts.append(PlannedAct("complete_dossier", date(2022, 8, 5), {
            "resume_verified": True, "resume_verification_note": "Lý lịch rõ ràng, đã thẩm tra",
            "youth_union_resolution": ("Nghị quyết số 12-NQ/ĐTN ngày 20/07/2022 "
                                       "của Ban Chấp hành Đoàn phường Điện Dương"),
            "introducers": [{"name": nfc("Nguyễn Văn Tám"), "known_since": date(2019, 4, 1), "official": True}]}))
        self.branch_vote(plan, date(2022, 8, 19))
        self.committee_review(plan, date(2022, 9, 8))
        self.decision(plan, date(2022, 9, 26), date(2022, 9, 29))
        plan.acts.append(PlannedAct("hold_ceremony", THANG_CEREMONY, {"place": "Nhà văn hóa khối phố Tân Khai"}))
        return plan

    def pool_2022(self, code, klass, target):
        """An attendee of a 2022 class, at `target` on the snapshot date."""
        rng = self.rng
        spotted = klass.start - days(rng.randint(30, 330))
        plan = self.new_case(code, SNAPSHOT + days(rng.randint(30, 200)), spotted, f"{klass.short}:{target}")
        self.enrol(plan, klass)
        if klass is CLASS_2022_2:  # still in class at the snapshot
            if target == "withdrawn":
                self.leave(plan, "withdraw", date(2022, 10, 21), "withdraw")
            return plan
        self.certify(plan, klass)
        start = klass.end
        if target == "dossier":
            return plan
        if target in ("withdrawn", "removed"):
            name, kind = ("withdraw", "withdraw") if target == "withdrawn" else ("remove_from_pool", "remove")
            self.leave(plan, name, start + days(rng.randint(30, 160)), kind)
            return plan
        # forward, keeping every act before LAST_ACT
        steps = {"branch_vote": 1, "failed_vote": 2, "committee_review": 2, "rejected": 3, "decision": 3}[target]
        span = (LAST_ACT - start).days
        gaps = [rng.randint(20, 60)] + [rng.randint(10, 35) for _ in range(steps - 1)]
        room = span - sum(gaps)
        first = start + days(gaps[0] + rng.randint(0, max(0, room)))
        dossier = first
        self.complete_dossier(plan, dossier)
        day = dossier
        if steps >= 2:
            day = day + days(gaps[1])
            self.branch_vote(plan, day, passes=target != "failed_vote",
                             reason=self.reason("failed_vote") if target == "failed_vote" else "")
        if steps >= 3:
            day = day + days(gaps[2])
            self.committee_review(plan, day, passes=target != "rejected",
                                  reason=self.reason("committee_rejects") if target == "rejected" else "")
        return plan

    def spotted_only(self, code, stuck=False):
        rng = self.rng
        if stuck:
            spotted = date(2020, 9, 1) + days(rng.randint(0, 300))
        else:
            spotted = date(2022, 1, 5) + days(rng.randint(0, (LAST_ACT - date(2022, 1, 5)).days))
        tag = "stuck_spotted" if stuck else "spotted"
        return self.new_case(code, SNAPSHOT + days(rng.randint(200, 500)), spotted, tag)

    # --- the pool from the 2021 classes that was not admitted in 2022 -------------------------

    def pool_2021(self, pick):
        rng = self.rng

        def case(klass, tag, considered_on):
            plan = self.new_case(pick(), considered_on, klass.start - days(rng.randint(40, 300)), tag)
            self.enrol(plan, klass)
            return plan

        for klass in (CLASS_2021_2, CLASS_2021_3, CLASS_2021_3):  # dossier opened in 2021, never considered
            plan = case(klass, "stuck_dossier", SNAPSHOT)
            self.certify(plan, klass)
        for _ in range(2):  # enrolled in December 2021, never certified
            case(CLASS_2021_4, "stuck_training", SNAPSHOT)

        plan = case(CLASS_2021_2, "expired", SNAPSHOT)
        self.certify(plan, CLASS_2021_2)
        plan.acts.append(PlannedAct("expire", date(2022, 8, 22), {},
                             REASONS["expire"][0]))

        plan = case(CLASS_2021_2, "expired_reopened", date(2022, 12, 1))
        self.certify(plan, CLASS_2021_2)
        plan.acts.append(PlannedAct("expire", date(2022, 8, 29), {},
                             REASONS["expire"][0]))
        self.leave(plan, "reopen", date(2022, 9, 6), "reopen")
        plan.acts.append(PlannedAct("resume_dossier", date(2022, 9, 12),
                             {"note": "Giấy chứng nhận lớp bồi dưỡng khóa 2/2021 còn giá trị; làm lại hồ sơ"}))

        plan = case(CLASS_2021_3, "failed_three_times", date(2022, 8, 16))
        self.certify(plan, CLASS_2021_3)
        rounds = [(date(2021, 12, 10), date(2022, 1, 14)), (date(2022, 4, 5), date(2022, 5, 10)),
                  (date(2022, 7, 12), date(2022, 8, 16))]
        for n, (dossier, vote) in enumerate(rounds):
            if n:
                plan.acts.append(PlannedAct("resume_dossier", dossier - days(30),
                                     {"note": f"Chi bộ xem xét lại lần {n + 1} theo đề nghị của đảng viên giúp đỡ"}))
            self.complete_dossier(plan, dossier)
            self.branch_vote(plan, vote, passes=False, reason=REASONS["failed_vote"][n])

        plan = case(CLASS_2021_4, "failed_once", date(2022, 3, 18))
        self.certify(plan, CLASS_2021_4)
        self.complete_dossier(plan, date(2022, 2, 21))
        self.branch_vote(plan, date(2022, 3, 18), passes=False, reason=self.reason("failed_vote"))

        plan = case(CLASS_2021_3, "rejected_by_committee", date(2022, 3, 15))
        self.certify(plan, CLASS_2021_3)
        self.complete_dossier(plan, date(2022, 2, 14))
        self.branch_vote(plan, date(2022, 3, 15))
        self.committee_review(plan, date(2022, 4, 8), passes=False, reason=REASONS["committee_rejects"][1])

        plan = case(CLASS_2021_3, "refused", date(2022, 5, 6))
        self.certify(plan, CLASS_2021_3)
        self.complete_dossier(plan, date(2022, 4, 12))
        self.branch_vote(plan, date(2022, 5, 6))
        self.committee_review(plan, date(2022, 5, 24))
        self.leave(plan, "refuse_admission", date(2022, 6, 16), "refuse")

        plan = case(CLASS_2021_4, "withdrawn", date(2022, 5, 1))
        self.certify(plan, CLASS_2021_4)
        self.complete_dossier(plan, date(2022, 3, 22))
        self.leave(plan, "withdraw", date(2022, 5, 9), "withdraw")

        plan = case(CLASS_2021_3, "removed", SNAPSHOT)
        self.certify(plan, CLASS_2021_3)
        self.leave(plan, "remove_from_pool", date(2022, 6, 20), "remove")

        for ceremony_wait in (date(2022, 10, 14), date(2022, 10, 17)):  # decision received, ceremony to come
            plan = case(CLASS_2021_4, "awaiting_ceremony", date(2022, 8, 24))
            self.certify(plan, CLASS_2021_4)
            self.complete_dossier(plan, date(2022, 7, 26))
            self.branch_vote(plan, date(2022, 8, 24))
            self.committee_review(plan, date(2022, 9, 15))
            self.decision(plan, ceremony_wait, ceremony_wait + days(rng.randint(3, 6)))

        plan = case(CLASS_2021_3, "stuck_decision", date(2022, 6, 10))  # overdue: 60 working days passed
        self.certify(plan, CLASS_2021_3)
        self.complete_dossier(plan, date(2022, 5, 16))
        self.branch_vote(plan, date(2022, 6, 10))
        self.committee_review(plan, date(2022, 7, 5))

        plan = case(CLASS_2021_4, "awaiting_review", date(2022, 7, 20))
        self.certify(plan, CLASS_2021_4)
        self.complete_dossier(plan, date(2022, 6, 27))
        self.branch_vote(plan, date(2022, 7, 20))

        plan = case(CLASS_2021_4, "awaiting_vote", date(2022, 11, 1))
        self.certify(plan, CLASS_2021_4)
        self.complete_dossier(plan, date(2022, 9, 20))

    def admitted_2021(self, pick):
        """Admitted in late 2021: official in October 2022, still on probation, or struck off."""
        rng = self.rng
        for n in range(3):
            day = date(2021, 10, 4) + days(rng.randint(0, 8))
            plan = self.admitted(pick(), day, "official", classes=(CLASS_2021_2,))
            self.recognise(plan, day)
        for n in range(4):
            day = date(2021, 11, 8) + days(rng.randint(0, 42))
            self.admitted(pick(), day, "probation_2021", classes=(CLASS_2021_2, CLASS_2021_3))
        day = date(2021, 11, 15) + days(rng.randint(0, 10))
        plan = self.admitted(pick(), day, "struck_off", classes=(CLASS_2021_2,))
        self.leave(plan, "strike_off", date(2022, 8, 10), "strike_off")

    # --- the whole demo -----------------------------------------------------------------------

    def ceremony_days(self):
        """134 days in 1/1–30/9/2022, following CEREMONIES_BY_MONTH, shuffled."""
        rng, result = self.rng, []
        for month, count in CEREMONIES_BY_MONTH.items():
            first = date(2022, month, 1)
            last = (first + relativedelta(months=1)) - days(1)
            pool = [first + days(n) for n in range((last - first).days + 1)]
            pool = [d for d in pool if not TET[0] <= d <= TET[1] and d >= date(2022, 1, 4)]
            result += [rng.choice(pool) for _ in range(count)]
        rng.shuffle(result)
        return result

    def admissions_by_branch(self):
        """Branch code -> ceremonies 1/1–30/9/2022; communes without a split get one drawn."""
        rng, result = self.rng, Counter()
        for grassroots in org.GRASSROOTS:
            fixed = [b for b in grassroots.branches if b.admitted is not None]
            if len(fixed) == len(grassroots.branches):
                for b in grassroots.branches:
                    result[b.code] += b.admitted
                continue
            weights = [BRANCH_WEIGHT[b.kind] for b in grassroots.branches]
            for b in rng.choices(grassroots.branches, weights=weights, k=grassroots.admitted):
                result[b.code] += 1
        return result

    def weighted_branch_picker(self, exclude=()):
        branches = [b for b in org.BRANCHES.values() if b.code not in exclude]
        weights = [BRANCH_WEIGHT[b.kind] for b in branches]
        return lambda: self.rng.choices(branches, weights=weights)[0].code

    def build(self):
        org.check_counts()
        # 1. the 134 of 1/1–30/9/2022, and Phùng Tấn Thắng on 8/10
        slots = [code for code, n in sorted(self.admissions_by_branch().items()) for _ in range(n)]
        for code, day in zip(slots, self.ceremony_days(), strict=True):
            self.admitted(code, day, "admitted_2022")
        self.thang()
        pick = self.weighted_branch_picker(exclude=("hatay2", "tankhai"))
        # 2. the two classes of 2022: 136 attendees, the pool for 2023
        named = [("hatay2", CLASS_2022_2, "training"), ("hatay2", CLASS_2022_1, "dossier"),
                 ("hatay2", CLASS_2022_1, "branch_vote"), ("tankhai", CLASS_2022_2, "training"),
                 ("tankhai", CLASS_2022_1, "dossier"), ("tankhai", CLASS_2022_1, "committee_review"),
                 ("tankhai", CLASS_2022_1, "failed_vote")]
        class_1 = {"dossier": 28, "branch_vote": 20, "committee_review": 10, "decision": 5, "failed_vote": 3,
                   "rejected": 1, "withdrawn": 3, "removed": 2}  # 72
        class_2 = {"training": 63, "withdrawn": 1}  # 64
        for code, klass, target in named:
            (class_1 if klass is CLASS_2022_1 else class_2)[target] -= 1
            self.pool_2022(code, klass, target)
        for klass, targets in ((CLASS_2022_1, class_1), (CLASS_2022_2, class_2)):
            for target, count in targets.items():
                for _ in range(count):
                    self.pool_2022(pick(), klass, target)
        # 3. spotted, never sent to a class: recent ones, and stuck ones spotted in 2020–2021
        for code, stuck in (("hatay2", False), ("hatay2", True), ("tankhai", False)):
            self.spotted_only(code, stuck)
        for _ in range(38):
            self.spotted_only(pick())
        for _ in range(7):
            self.spotted_only(pick(), stuck=True)
        # 4. the 2021 classes' other cases, and the admissions of late 2021
        self.pool_2021(pick)
        self.admitted_2021(pick)
        self.number_documents()
        add_documents(self.plans, PlannedAct, SEED, LAST_ACT)  # the dossiers' documents, from their own random stream
        self.plans.sort(key=lambda p: (p.spotted_on, p.fields["full_name"]))
        return self.plans

    def number_documents(self):
        """Certificates, resolutions and decisions get numbers in the order they were issued."""
        sequences = defaultdict(list)
        for plan in self.plans:
            for act in plan.acts:
                if act.number:
                    sequences[act.number[0]].append(act)
        # Only certificates are numbered consecutively; the other issuers write other documents
        # in between.
        starts = {"certificate": (1, 1), "branch": (2, 6), "committee": (12, 40), "town": (1150, 1150)}
        for key, acts in sorted(sequences.items(), key=lambda item: str(item[0])):
            n = self.rng.randint(*starts[key[0]])
            for act in sorted(acts, key=lambda a: a.day):
                _, name, fmt = act.number
                act.data[name] = fmt.format(n=n)
                n += 1 if key[0] == "certificate" else self.rng.randint(1, 4)


def build_plans(seed=SEED):
    return Story(seed).build()
