"""The code's shape: no import circles, each layer importing only from the layers below it (base
helpers → extensions → models → the workflow → features → views and commands → the app), no
import hidden inside a function without a reason, writes committed in one place only, and no
database event listener that writes behind the operations' back.

The same check from the command line: `.venv/bin/python tests/import_graph.py`."""
import os
import re

from import_graph import ROOT, cycles, import_graph, layer_breaks

PACKAGE_DIR = os.path.join(ROOT, "pipeline")


def sources():
    for folder, dirs, files in os.walk(PACKAGE_DIR):
        dirs[:] = [d for d in dirs if d not in ("migrations", "__pycache__", "static", "translations")]
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as fh:
                    yield os.path.relpath(path, ROOT), fh.read()


def test_no_import_cycles():
    _modules, edges = import_graph()
    assert cycles(edges) == []


def test_every_layer_imports_only_from_below():
    modules, edges = import_graph()
    assert [f"{imp.source} -> {imp.target}" for imp in layer_breaks(modules, edges)] == []


def test_no_import_inside_a_function_without_a_reason():
    _modules, edges = import_graph()
    assert [f"{imp.source}:{imp.line}" for imp in edges if imp.in_function and not imp.commented] == []


def test_the_counts_are_those_of_the_whole_package():
    """The checks above see every module (a broken walk would find no cycle in nothing)."""
    modules, edges = import_graph()
    assert len(modules) > 100 and len(edges) > 500
    assert "pipeline.workflow.definition" in modules and "pipeline.app" in modules


def test_only_the_transaction_helper_commits():
    committing = sorted(path for path, text in sources() if re.search(r"\.commit\(\)", text))
    assert committing == [os.path.join("pipeline", "transaction.py")]


def test_no_session_event_listener():
    """Projections are written by the operation that acts, never by a listener on every commit."""
    listeners = sorted(path for path, text in sources()
                       if re.search(r"listens_for\(\s*(Session|db\.session|sessionmaker)", text)
                       or re.search(r"event\.listen\(\s*(Session|db\.session)", text))
    assert listeners == []
