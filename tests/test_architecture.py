"""The import graph goes one way: core ← adapters ← services ← tasks and views, with no cycle
among the project's own modules (module-level and function-level imports alike)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "accounts",
    "courses",
    "exercises",
    "grading",
    "localmodels",
    "config",
    "scripts",
    "bench",
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                modules[module_name(path)] = path
    return modules


MODULES = project_modules()


def resolve(name: str) -> str | None:
    """The project module `name` refers to (a module, or the package of an imported name)."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(module: str) -> set[str]:
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    return imports_in(path.read_text(encoding="utf-8"), module, package)


def imports_in(source: str, module: str, package: str) -> set[str]:
    """The project modules `source` imports anywhere: at module level, in functions, in
    classes, under `if TYPE_CHECKING:` alike."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for name in names:
            target = resolve(name)
            if target and target != module:
                found.add(target)
    return found


GRAPH = {module: imports_of(module) for module in MODULES}


def find_cycle() -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        stack.append(module)
        for target in sorted(GRAPH[module]):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[module] = 2
        return None

    for module in sorted(GRAPH):
        if module not in state and (cycle := visit(module)):
            return cycle
    return None


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def offenders(prefix: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if within(module, prefix)
        for target in targets
        if any(within(target, bad) for bad in forbidden)
    )


def test_the_graph_sees_the_grading_layers():
    assert "grading.services.grading" in GRAPH
    assert "grading.adapters.clients" in GRAPH["grading.services.grading"]
    assert "grading.services" in GRAPH["grading.tasks"]


def test_every_package_is_read():
    assert {module.partition(".")[0] for module in GRAPH} == set(PACKAGES)


def test_imports_inside_functions_and_relative_imports_count():
    source = "def later():\n    from grading import tasks\n    from .planning import select_items\n"
    found = imports_in(source, "grading.services.intake", "grading.services")
    assert found >= {"grading.tasks", "grading.services.planning"}


def test_there_is_no_import_cycle_among_project_modules():
    cycle = find_cycle()
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


def test_the_core_imports_nothing_from_the_project_but_itself():
    outside = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if within(module, "grading.core")
        for target in targets
        if not within(target, "grading.core")
    )
    assert outside == []


def test_adapters_import_neither_services_tasks_views_nor_models():
    assert (
        offenders(
            "grading.adapters",
            (
                "grading.services",
                "grading.tasks",
                "grading.views",
                "grading.models",
                "grading.admin",
            ),
        )
        == []
    )


def test_services_never_import_tasks_or_views():
    assert offenders("grading.services", ("grading.tasks", "grading.views", "grading.admin")) == []


def test_services_do_not_address_a_task_by_name_either():
    # A task looked up by name ("grading.tasks.…") is an import the graph cannot see, and a web
    # process that never imported the task module has no such task registered.
    named = sorted(
        f"{module}: {node.value!r}"
        for module, path in MODULES.items()
        if within(module, "grading.services")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.startswith(("grading.tasks", "grading.views"))
    )
    assert named == []
