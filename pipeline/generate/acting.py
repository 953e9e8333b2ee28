"""A planned case turned into its rows, in memory: each act judged by the workflow's own guards
(`definition.judge`) on the state replayed so far and applied by the replay (`replay.advance`),
its log row's data and hash made as `operations.perform` and `operations.open_case` make them, and
the projection rows taken from `projection.projection_of` on the state reached. Nothing is read
from the database: the guards' lookups (the class, the issuing unit) are answered from memory."""
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from pipeline.cases.models import Case
from pipeline.dossier.operations import DETAIL_FIELDS, spec_for
from pipeline.rules.rulebook import rulebook_on
from pipeline.training.operations import passed_in_class
from pipeline.workflow import guards
from pipeline.workflow.definition import ACT_BY_NAME, SPOT, judge
from pipeline.workflow.guards import ActContext
from pipeline.workflow.models import GENESIS_HASH, entry_hash
from pipeline.workflow.operations import entry_data, json_ready
from pipeline.workflow.projection import projection_of, snapshot_values
from pipeline.workflow.replay import advance, bound, opened, with_deadlines

CASE_PARTICULARS = ("full_name", "name_folded", "sort_given_first", "sort_full_name", "date_of_birth", "sex",
                    "ethnicity", "education", "occupation", "residence", "youth_union_member", "source_organisation",
                    "helper_member")


class GenerationBroken(RuntimeError):
    """The workflow refused a planned act: the generator's plan contradicts the rules."""


class Row:
    """A log entry not yet written: the attributes `entry_hash` and the replay read."""
    __slots__ = ("case_id", "seq", "act", "from_stage", "to_stage", "actor_id", "actor", "recorded_at",
                 "effective_date", "reason", "data", "prev_hash", "hash")

    def __init__(self, **values):
        for name in self.__slots__:
            setattr(self, name, values.get(name))

    def values(self):
        return {"candidate_id": self.case_id, "seq": self.seq, "event": self.act, "from_stage": self.from_stage,
                "to_stage": self.to_stage, "actor_id": self.actor_id, "recorded_at": self.recorded_at,
                "effective_date": self.effective_date, "reason": self.reason, "data": self.data,
                "prev_hash": self.prev_hash, "hash": self.hash}


@dataclass
class CaseRows:
    """What one case writes: its row, its log, its projection rows."""
    case: dict
    log: list
    documents: list
    enrolments: list
    deadlines: list
    snapshots: list
    stage: str
    overdue: bool


class Recorders:
    """Who records what for a branch: its secretary if it has one, else its grassroots committee;
    the province's board for certificates; the commune's committee for decisions."""

    def __init__(self, org):
        self.org = org

    def __call__(self, by, branch):
        accounts, org = self.org.accounts, self.org
        if by == "board":
            return accounts[("board", org.province_of(branch).id)]
        if by == "decider":
            return accounts[("committee", org.deciding_unit(branch).id)]
        grassroots = org.grassroots(branch)
        if by == "branch" and ("secretary", branch.id) in accounts:
            return accounts[("secretary", branch.id)]
        return accounts[("committee", grassroots.id)]


class CaseMaker:
    def __init__(self, org, today, calendar):
        self.org, self.today, self.calendar = org, today, calendar
        self.actor_for = Recorders(org)
        self.classes = {k.id: k for classes in org.classes.values() for k in classes}
        self.units = {u.id: u for u in org.units}
        self.certificates = {}  # class id -> numbers issued

    def make(self, case_id, plan, rng):
        branch = plan.branch
        case = Case(id=case_id, branch_id=branch.id, **plan.fields)
        case.branch = branch
        moment = self._recorded_at(rng, plan.spotted_on, None)
        spotter = self.actor_for("branch", branch)
        data = json_ready({k: v for k, v in plan.fields.items() if k != "full_name"}
                          | {"full_name": case.full_name, "branch_id": branch.id})
        first = Row(case_id=case_id, seq=1, act=SPOT.name, from_stage=None, to_stage=SPOT.dest, actor_id=spotter.id,
                    actor=spotter, recorded_at=moment, effective_date=plan.spotted_on, reason="", data=data,
                    prev_hash=GENESIS_HASH)
        first.hash = entry_hash(first)
        log, state = [first], opened(first)
        with bound(state):
            for planned in plan.acts:
                moment = self._recorded_at(rng, planned.day, log[-1].recorded_at)
                log.append(self._act(case, state, log[-1], planned, moment))
        with_deadlines(state, self.calendar, case)
        wanted = projection_of(state)
        return self._rows(case, state, log, wanted)

    def _recorded_at(self, rng, day, after):
        """Entered that day or up to two days later, in office hours (UTC+7), after the case's
        previous entry and never after today."""
        moment = datetime.combine(day + timedelta(days=rng.randint(0, 2)), time(rng.randint(1, 9),
                                                                                rng.randint(0, 59), rng.randint(0, 59)))
        if after is not None and moment <= after:
            moment = after + timedelta(minutes=rng.randint(5, 90))
        return min(moment, datetime.combine(self.today, time(9, 30)) + timedelta(seconds=rng.randint(0, 1800)))

    def _act(self, case, state, previous, planned, moment):
        act = ACT_BY_NAME[planned.name]
        actor = self.actor_for(planned.by, case.branch)
        data, memo, assume = dict(planned.data), {}, None
        if act.name == "record_document":
            data = self._document(planned.data)
        elif act.name == "enrol_training":
            memo["class"] = self.classes[data["class_id"]]
        elif act.name == "complete_training":
            memo["current_class"] = self.classes[state.current_enrolment.class_id]
            assume = passed_in_class
            data["certificate_number"] = self._certificate(state.current_enrolment.class_id)
        if "issuing_unit_id" in data:
            memo["issuing_unit"] = self.units[data["issuing_unit_id"]]
        judged = state.copy() if assume else state
        if assume:
            assume(judged)
        # The certificate number is unique by construction: the guard's query for it is not asked.
        judged_data = {k: v for k, v in data.items() if k != "certificate_number"}
        ctx = ActContext(case, judged, planned.day, data=judged_data, today=self.today, _memo=memo)
        if act.name == "record_decision" and guards.decided_by_full_committee(ctx):
            size = self.org.committee_size[data["issuing_unit_id"]]
            data |= {"committee_size": size, "votes_for": size - 1}
            judged_data |= data
        reasons = judge(act, ctx)
        if reasons:
            raise GenerationBroken(f"case {case.id} ({case.branch.code}): {act.name} on {planned.day}: "
                                   + "; ".join(str(r) for r in reasons))
        log_data = entry_data(act, ctx, data)
        entry = Row(case_id=case.id, seq=previous.seq + 1, act=act.name, from_stage=state.stage, actor_id=actor.id,
                    actor=actor, recorded_at=moment, effective_date=planned.day, reason=planned.reason or "",
                    data=log_data, prev_hash=previous.hash)
        advance(state, entry)
        entry.to_stage = state.stage
        entry.hash = entry_hash(entry)
        return entry

    def _certificate(self, class_id):
        number = self.certificates.get(class_id, 0) + 1
        self.certificates[class_id] = number
        return f"{number:04d}/CN-{class_id}"

    @staticmethod
    def _document(planned):
        """The data the dossier page logs for a received document (dossier.operations._log_data)."""
        day = planned["received_on"]
        spec = spec_for(planned["key"], day)
        data = {"item": planned["key"], "received": True, "received_on": day.isoformat()}
        for name in DETAIL_FIELDS.get(spec.kind, ()):
            data[name] = json_ready(planned["details"].get(name))
        return data | {"note": planned.get("note") or "", "rulebook": rulebook_on(day).code}

    def _rows(self, case, state, log, wanted):
        row = {name: getattr(case, name) for name in CASE_PARTICULARS}
        row |= wanted.case | {"id": case.id, "branch_id": case.branch_id, "created_at": log[0].recorded_at,
                              "version": len(log)}
        documents = [dict(values, candidate_id=case.id, item_key=key) for key, values in wanted.documents.items()]
        enrolments = [dict(values, candidate_id=case.id, class_id=class_id)
                      for class_id, values in wanted.enrolments.items()]
        deadline_columns = ("key", "stage", "starts_on", "due_on", "limit_value", "limit_unit", "citation",
                            "confirmed")
        deadlines = [dict(zip(deadline_columns, values), candidate_id=case.id) for values in wanted.deadlines]
        overdue = any(d["due_on"] < self.today for d in deadlines)
        snapshot = snapshot_values(state) | {"candidate_id": case.id}
        return CaseRows(row, [entry.values() for entry in log], documents, enrolments, deadlines, [snapshot],
                        state.stage, overdue)
