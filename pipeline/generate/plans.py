"""What happens to each generated case: the acts of its road up to where it ends, dated so that
the rules hold (a class the branch may attend, the dossier's documents in the months before it is
complete, the 12 months of probation, the time limits of the decision and the ceremony), or, for
the cases left stuck, a last act long ago. Everything is drawn from the case's own
`random.Random`, so a case is the same whatever else is generated."""
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from pipeline.demo.dossier import add_documents
from pipeline.demo.people import People
from pipeline.demo.story import REASONS, VERIFICATION_NOTES, PlannedAct, office_day_after, office_day_before

# Where cases end (weights, per thousand): the stages of the road, then the exits.
ENDINGS = {
    "spotted": 120, "failed_vote": 20, "training": 90, "dossier": 100, "branch_vote": 60, "committee_review": 40,
    "decision": 40, "ceremony": 30, "probation": 150, "official": 200,
    "withdrawn": 40, "removed": 30, "expired": 25, "rejected": 20, "refused": 10, "reopened": 10, "struck_off": 15,
}
ROAD = ("spotted", "training", "dossier", "branch_vote", "committee_review", "decision", "ceremony", "probation",
        "official")
# The exits: (the act, the stages it leaves from).
EXITS = {"withdrawn": ("withdraw", ROAD[:7]), "removed": ("remove_from_pool", ROAD[:3]),
         "expired": ("expire", ("dossier", "branch_vote"))}
# The endings off the road: the stage the case reaches before the act that ends it there.
OFF_ROAD = {"failed_vote": "branch_vote", "rejected": "committee_review", "reopened": "committee_review",
            "refused": "decision", "struck_off": "probation"}
STUCK_SHARE = 0.08  # open cases whose last act is long past (overdue deadlines, the dashboard's stuck)
EARLIEST_YEARS = 4  # no case spotted longer ago


@dataclass
class CasePlan:
    """One case: where it is, who it is, and its acts (story.PlannedAct) after the spotting."""
    branch: object  # Unit
    fields: dict
    spotted_on: date
    acts: list
    ending: str


def days(n):
    return timedelta(days=int(n))


def votes_needed(total):
    return -(-2 * total // 3)


def branch_count(rng, members, passes):
    needed = votes_needed(members)
    present = max(needed, members - rng.randint(0, max(1, members // 8)))
    if passes:
        votes_for = present - rng.randint(0, min(3, present - needed))
        against = rng.randint(0, present - votes_for)
    else:
        votes_for = max(0, needed - rng.randint(1, 4))
        against = present - votes_for
    return {"members_total": members, "members_present": present, "votes_for": votes_for, "votes_against": against}


def committee_count(rng, size, passes):
    needed = votes_needed(size)
    votes_for = size - rng.randint(0, min(2, size - needed)) if passes else needed - rng.randint(1, 3)
    return {"committee_size": size, "votes_for": votes_for, "votes_against": rng.randint(0, size - votes_for)}


class Planner:
    """Plans cases for one organisation (tree.Organisation) as of `today`."""

    def __init__(self, org, today):
        self.org, self.today = org, today
        self.earliest = today - relativedelta(years=EARLIEST_YEARS)

    def plan(self, rng, branch):
        ending = rng.choices(list(ENDINGS), weights=list(ENDINGS.values()))[0]
        stuck = ending in ROAD[:7] and rng.random() < STUCK_SHARE
        # Acts run forward from the spotting; a plan that would run past today starts earlier.
        start = self.today - days(rng.randint(20, 200) + (400 if stuck else 0)) - self._length(ending)
        for _ in range(6):
            acts, spotted = self._acts(rng, branch, max(start, self.earliest), ending)
            overrun = (max(a.day for a in acts) - self.today).days if acts else 0
            if overrun <= 0:
                break
            start -= days(overrun + 20)
        else:
            ending, acts = "spotted", []
        people = People(rng)
        considered = next((a.day for a in acts if a.name == "record_branch_vote"), spotted + days(300))
        fields = people.candidate(branch.kind, f"{branch.name.removeprefix('Chi bộ ')}, {branch.parent.name}",
                                  considered)
        self._dossier_data(rng, people, fields, acts)
        plan = CasePlan(branch, fields, spotted, acts, ending)
        add_documents([plan], PlannedAct, rng.randrange(1 << 30), self.today)
        self._appraisal(rng, branch, plan)
        return plan

    @staticmethod
    def _length(ending):
        """About how long the road to `ending` takes."""
        if ending in ("probation", "struck_off"):
            return days(700)
        if ending == "official":
            return days(900)
        return days(400)

    def _acts(self, rng, branch, spotted, ending):
        org, acts = self.org, []
        target, exit_act = self._target(rng, ending)
        reach = ROAD.index(target)
        day = spotted
        if reach >= 1:
            klass = self._class(rng, branch, day + days(rng.randint(30, 240)))
            day = max(day + days(1), klass.starts_on - days(rng.randint(0, 10)))
            acts.append(PlannedAct("enrol_training", day, {"class_id": klass.id}))
            if reach >= 2:
                day = klass.ends_on + days(rng.randint(0, 14))
                acts.append(PlannedAct("complete_training", day, {"certificate_number": None}, by="board"))
        if reach >= 3:
            day = office_day_after(day + days(rng.randint(40, 150)))
            acts.append(PlannedAct("complete_dossier", day, {}))
        if reach >= 4 or ending == "failed_vote":
            day = office_day_after(day + days(rng.randint(7, 40)))
            passes = ending != "failed_vote"
            acts.append(PlannedAct("record_branch_vote", day, branch_count(rng, branch.official_members, passes)
                                   | {"resolution_number": f"{rng.randint(1, 40):02d}-NQ/CB", "over_age_consent": ""},
                                   "" if passes else rng.choice(REASONS["failed_vote"])))
        grassroots = org.grassroots(branch)
        if reach >= 5 or ending in ("rejected", "reopened"):
            day = office_day_after(day + days(rng.randint(5, 25)))
            passes = ending not in ("rejected", "reopened")
            acts.append(PlannedAct("record_committee_review", day, committee_count(
                rng, org.committee_size[grassroots.id], passes) | {
                "resolution_number": f"{rng.randint(1, 400)}-NQ/ĐU", "subcommittee_appraisal": ""},
                "" if passes else rng.choice(REASONS["committee_rejects"]), by="committee"))
            if ending == "reopened":
                day += days(rng.randint(20, 90))
                acts.append(PlannedAct("reopen", day, {}, rng.choice(REASONS["reopen"])))
        deciding = org.deciding_unit(branch)
        if reach >= 6 or ending == "refused":
            day = office_day_after(day + days(rng.randint(7, 40)))
            data = {"issuing_unit_id": deciding.id}
            if ending == "refused":
                acts.append(PlannedAct("refuse_admission", day, data, rng.choice(REASONS["refuse"]), by="decider"))
            else:
                received = min(day + days(rng.randint(1, 6)), max(day, self.today))  # never in the future
                acts.append(PlannedAct("record_decision", day, data | {
                    "decision_number": f"{rng.randint(1, 2000)}-QĐ/ĐU", "received_on": received}, by="decider"))
                day = received
        if reach >= 7:
            day += days(rng.randint(3, 25))
            acts.append(PlannedAct("hold_ceremony", day, {"place": "Hội trường " + branch.parent.name}))
            ceremony = day
            if ending == "struck_off":
                day += days(rng.randint(60, 330))
                acts.append(PlannedAct("strike_off", day, {}, rng.choice(REASONS["strike_off"])))
        if reach >= 8:
            acts += self._recognition(rng, branch, ceremony)
        if exit_act:
            day += days(rng.randint(10, 120))
            acts.append(PlannedAct(exit_act, day, {}, rng.choice(REASONS[exit_act if exit_act != "remove_from_pool"
                                                                         else "remove"])))
        return acts, spotted

    def _recognition(self, rng, branch, ceremony):
        """After the 12 months: the branch votes, the grassroots committee resolves, the commune decides."""
        day = office_day_after(ceremony + relativedelta(months=12) + days(rng.randint(2, 20)))
        vote = PlannedAct("record_recognition_vote", day, branch_count(rng, branch.official_members, True)
                          | {"resolution_number": f"{rng.randint(1, 40):02d}-NQ/CB"})
        day = office_day_after(day + days(rng.randint(1, 10)))
        size = self.org.committee_size[self.org.grassroots(branch).id]
        review = PlannedAct("record_recognition_review", day, committee_count(rng, size, True)
                            | {"resolution_number": f"{rng.randint(1, 400)}-NQ/ĐU"}, by="committee")
        day = office_day_after(day + days(rng.randint(5, 20)))
        official = PlannedAct("recognise_official", day, {"decision_number": f"{rng.randint(1, 2000)}-QĐ/ĐU",
                                                          "issuing_unit_id": self.org.deciding_unit(branch).id},
                              by="decider")
        return [vote, review, official]

    @staticmethod
    def _target(rng, ending):
        """(the stage of the road the case reaches, the exit act that then takes it out or None)."""
        if ending in EXITS:
            exit_act, sources = EXITS[ending]
            return rng.choice(sources), exit_act
        return OFF_ROAD.get(ending, ending), None

    def _class(self, rng, branch, wanted):
        """The province's first class starting on or after `wanted` (the last one if none)."""
        classes = self.org.classes[self.org.province_of(branch).id]
        index = (wanted.year - classes[0].starts_on.year) * 12 + wanted.month - classes[0].starts_on.month
        index = max(0, min(index, len(classes) - 1))
        while index + 1 < len(classes) and classes[index].starts_on < wanted:
            index += 1
        return classes[index]

    @staticmethod
    def _dossier_data(rng, people, fields, acts):
        """What the completed dossier says (the documents of pipeline.demo.dossier are drawn from it):
        one introducer and the Youth Union's resolution on the youth path, else two introducers."""
        for act in acts:
            if act.name != "complete_dossier":
                continue
            day = act.day
            # Still of youth age when the branch votes, weeks later.
            youth = fields["youth_union_member"] and relativedelta(day + days(60), fields["date_of_birth"]).years <= 30

            def introducer():
                since = day - relativedelta(months=rng.randint(13, 72))
                since = min(max(since, fields["date_of_birth"] + relativedelta(years=16)),
                            day - relativedelta(months=13))
                return {"name": people.member_name(), "known_since": since, "official": True}

            act.data = {"resume_verified": True, "resume_verification_note": rng.choice(VERIFICATION_NOTES),
                        "youth_union_resolution": "", "introducers": [introducer()]}
            if youth:
                passed = office_day_before(day - days(rng.randint(3, 15)))
                act.data["youth_union_resolution"] = (f"Nghị quyết số {rng.randint(3, 40)}-NQ/ĐTN ngày "
                                                      f"{passed:%d/%m/%Y} của Ban Chấp hành Đoàn cơ sở")
            else:
                act.data["introducers"].append(introducer())

    @staticmethod
    def _appraisal(rng, branch, plan):
        """Under a sub-committee the committee's review needs its appraisal (7-KNĐ) first."""
        if branch.parent.kind != "subcommittee":
            return
        for index, act in enumerate(plan.acts):
            if act.name == "record_committee_review":
                previous = plan.acts[index - 1].day
                day = previous + days(max(0, (act.day - previous).days // 2))
                plan.acts.insert(index, PlannedAct("record_document", day, {
                    "key": "7-KNĐ", "received": True, "received_on": day, "note": "",
                    "details": {"number": f"{rng.randint(1, 90)}-BC/ĐUBP"}}))
                return
