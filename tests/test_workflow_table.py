"""The process is one table (pipeline.workflow.definition): every act names its stages, roles,
guards (each with its label), its outcome and what it adds to the state, and everything else —
the forms, the Machine, the checklist's acts, the audit's allowed moves — is derived from it."""
from pipeline.cases.act_forms import ACT_FORMS
from pipeline.workflow import definition
from pipeline.workflow.guards import Guard
from pipeline.workflow.stages import STAGE_NAMES
from pipeline.audit.anomalies import allowed_moves
from pipeline.rules.rulebook import load_rulebooks


def test_every_act_that_moves_a_case_has_its_form_in_the_one_registry():
    assert set(ACT_FORMS) == {act.name for act in definition.MOVES}


def test_an_act_needs_a_reason_exactly_when_its_form_asks_for_one():
    for act in definition.MOVES:
        assert hasattr(ACT_FORMS[act.name], "reason") == act.needs_reason, act.name


def test_every_guard_carries_its_own_name_and_label():
    names = {}
    for act in definition.ACTS:
        for guard in act.guards:
            assert isinstance(guard, Guard), (act.name, guard)
            assert guard.name and str(guard.label), (act.name, guard.name)
            assert names.setdefault(guard.name, guard) is guard, f"two guards named {guard.name}"


def test_the_acts_are_recorded_in_known_stages_and_lead_to_known_stages():
    for act in definition.ACTS:
        assert set(act.sources) <= set(STAGE_NAMES), act.name
        assert set(act.destinations) <= set(STAGE_NAMES), act.name
        assert (act.fail_dest is None) == (act.outcome is None), act.name


def test_the_machine_has_one_event_per_act_and_keeps_the_stage_for_facts():
    for act in definition.ACTS:
        if not act.sources:
            assert act is definition.SPOT
            continue
        event = definition.MACHINE.events[act.name]
        for source in act.sources:
            dests = {table_act.dest for table_act in event.transitions[source]}
            assert dests == ({None} if not act.moves else set(act.destinations)), act.name


def test_the_audit_allows_exactly_the_moves_of_the_table():
    expected = {(act.name, source, dest) for act in definition.ACTS for source in act.sources
                for dest in (act.destinations or (source,))}
    assert set(allowed_moves()) == expected


def test_the_dossier_names_acts_of_the_table():
    for book in load_rulebooks():
        for spec in book.documents:
            assert spec.due_by in definition.ACT_BY_NAME, (book.code, spec.key, spec.due_by)
            assert spec.from_act is None or spec.from_act in definition.ACT_BY_NAME, (book.code, spec.key)


def test_the_dossier_page_shows_what_the_next_act_of_each_stage_still_needs():
    assert {stage: getattr(definition.act_needing_documents(stage), "name", None) for stage in
            ("dossier", "committee_review", "decision", "probation")} == {
        "dossier": "complete_dossier", "committee_review": "record_committee_review", "decision": None,
        "probation": "record_recognition_vote"}


def test_only_the_branch_vote_on_admission_counts_failed_votes():
    assert [act.name for act in definition.ACTS if act.counts_failed_vote] == ["record_branch_vote"]
