"""The graph of imports between the modules of `pipeline`, read from the source (nothing is
imported): every `import` and `from … import`, at module level or inside a function, and the
package `__init__` that importing a module runs first.

    .venv/bin/python tests/import_graph.py           # cycles, imports inside functions, layers broken
    .venv/bin/python tests/import_graph.py --edges   # also every edge, "a -> b"

It exits 1 when anything is wrong; tests/test_layers.py asserts the same: no cycle, no import
inside a function without a comment saying why, and each module importing only from its own
layer or the layers below (LAYERS)."""
import ast
import os
import sys
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "pipeline"


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported module of the package
    line: int
    in_function: bool
    commented: bool  # a comment on the line or the one above says why


def module_name(path):
    relative = os.path.relpath(path, ROOT)[:-3].replace(os.sep, ".")
    return relative[:-len(".__init__")] if relative.endswith(".__init__") else relative


def package_modules():
    """name -> path of every module of the package, migrations excepted (Alembic loads them)."""
    found = {}
    for folder, dirs, files in os.walk(os.path.join(ROOT, PACKAGE)):
        dirs[:] = [d for d in dirs if d not in ("migrations", "__pycache__", "static", "translations")]
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                found[module_name(path)] = path
    return found


def _resolve(name, modules):
    """The module `name` names, or the package module holding it (`a.b.c` where c is a name)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module, path, modules):
    with open(path, encoding="utf-8") as fh:
        source = fh.read()
    lines = source.splitlines()
    tree = ast.parse(source)
    is_package = path.endswith("__init__.py")
    found = []

    def commented(node):
        here = lines[node.lineno - 1]
        above = lines[node.lineno - 2].strip() if node.lineno > 1 else ""
        return "#" in here or above.startswith("#")

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                names = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parts = module.split(".")
                    parts = parts if is_package else parts[:-1]
                    parts = parts[:len(parts) - (child.level - 1)]
                    base = ".".join(parts + ([base] if base else []))
                # `from a import b` imports a.b when b is a module, else a name of a.
                names = [f"{base}.{alias.name}" for alias in child.names]
            else:
                visit(child, nested)
                continue
            for name in names:
                if name.split(".")[0] != PACKAGE:
                    continue
                target = _resolve(name, modules)
                if target and target != module:
                    found.append(Import(module, target, child.lineno, in_function, commented(child)))
    visit(tree, False)
    return found


def parent_packages(module, modules):
    """The packages whose `__init__` runs before `module` is imported."""
    parts = module.split(".")
    return [".".join(parts[:n]) for n in range(1, len(parts)) if ".".join(parts[:n]) in modules]


def import_graph():
    modules = package_modules()
    edges = [imp for name, path in sorted(modules.items()) for imp in imports_of(name, path, modules)]
    # A package whose __init__ imports only its own modules (to offer them under its name) adds
    # nothing to what importing one of them runs.
    outward = {imp.source for imp in edges if modules[imp.source].endswith("__init__.py")
               and not imp.target.startswith(imp.source + ".")}
    edges += [Import(name, package, 0, False, True) for name in sorted(modules)
              for package in parent_packages(name, modules) if package in outward]
    return modules, edges


# The layers, lowest first: a module imports only from its own layer and those below it. Each
# entry is a module name, or a pattern ending in ".*" (a package's modules) or starting with "*."
# (that module in every package). The first layer that matches a module is its layer.
LAYERS = (
    ("base helpers", ("pipeline", "pipeline.base", "pipeline.base.*", "pipeline.config", "pipeline.rules",
                      "pipeline.rules.*", "pipeline.workflow.stages", "pipeline.analytics.*")),
    ("extensions", ("pipeline.extensions", "pipeline.transaction", "pipeline.written_at_once")),
    ("models", ("*.models", "pipeline.models", "pipeline.units.tree", "pipeline.workdays.calendar")),
    ("workflow", ("pipeline.workflow.*",)),
    ("views and commands", ("*.views", "*.cli", "*.admin", "*.limits", "pipeline.cli", "pipeline.web.*",
                            "pipeline.backup.commands", "pipeline.audit.access", "pipeline.dashboard.access", "pipeline.cases.voiding_views",
                            "pipeline.units.search_views", "pipeline.api.token_views", "pipeline.api.errors",
                            "pipeline.api.auth", "pipeline.api.reads", "pipeline.api.acts", "pipeline.api.training",
                            "pipeline.api.units",
                            "pipeline.api.setup", "pipeline.api.dossier", "pipeline.api.figures", "pipeline.api.blueprint",
                            "pipeline.api.case_facts", "pipeline.api.bulk", "pipeline.api.imports", "pipeline.api.calendar",
                            "pipeline.quotas.access")),
    ("the application", ("pipeline.app",)),
)
FEATURES = "features"  # every other module: between the workflow and the views


def _matches(module, pattern):
    if pattern.endswith(".*"):
        return module.startswith(pattern[:-1])
    if pattern.startswith("*."):
        return module.endswith(pattern[1:])
    return module == pattern


def layer_of(module, modules):
    order = [name for name, _ in LAYERS]
    for name, patterns in LAYERS:
        if any(_matches(module, pattern) for pattern in patterns):
            index = order.index(name)
            return index if index < 4 else index + 1
    if modules.get(module, "").endswith("__init__.py"):
        return 0  # a package's __init__: documentation, or its own modules offered under its name
    return 4


def layer_name(index):
    names = [name for name, _ in LAYERS]
    return (names[:4] + [FEATURES] + names[4:])[index]


def layer_breaks(modules, edges):
    """Imports that reach up to a higher layer (a package's __init__ may offer its own modules)."""
    return [imp for imp in edges if layer_of(imp.target, modules) > layer_of(imp.source, modules)
            and not (modules[imp.source].endswith("__init__.py") and imp.target.startswith(imp.source + "."))]


def cycles(edges):
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    graph = {}
    for imp in edges:
        graph.setdefault(imp.source, set()).add(imp.target)
        graph.setdefault(imp.target, set())
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def connect(node):
        work = [(node, iter(sorted(graph[node])))]
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        while work:
            current, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[current])
                if low[current] == index[current]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == current:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = counter[0]
                counter[0] += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[current] = min(low[current], index[child])

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return sorted(found)


def main(argv):
    modules, edges = import_graph()
    found = cycles(edges)
    if "--edges" in argv:
        for imp in edges:
            print(f"{imp.source} -> {imp.target}" + ("  (in a function)" if imp.in_function else ""))
    inside = [imp for imp in edges if imp.in_function]
    unexplained = [imp for imp in inside if not imp.commented]
    broken = layer_breaks(modules, edges)
    print(f"{len(modules)} modules, {len(edges)} imports between them, {len(inside)} inside functions "
          f"({len(unexplained)} without a comment saying why)")
    print(f"{len(found)} import cycles")
    for component in found:
        print(f"  cycle of {len(component)}: " + ", ".join(component))
    for imp in unexplained:
        print(f"  import inside a function without a reason: {imp.source}:{imp.line} -> {imp.target}")
    print(f"{len(broken)} imports reaching up a layer")
    for imp in broken:
        print(f"  {imp.source} ({layer_name(layer_of(imp.source, modules))}) -> "
              f"{imp.target} ({layer_name(layer_of(imp.target, modules))})")
    return 1 if found or unexplained or broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
