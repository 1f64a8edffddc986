"""The grading core must stay pure: no Django, no project apps, no I/O libraries; only the
standard library and a few pure, offline parsing and scoring packages."""

import ast
import sys
from pathlib import Path

import grading.core

CORE_DIR = Path(grading.core.__file__).parent
ALLOWED_THIRD_PARTY = {
    "jsonschema",
    "referencing",  # jsonschema's own dependency, used for its registry API
    "regex",  # regex checks with a time limit
    "defusedxml",  # XML without entity expansion
    "html5lib",  # HTML parsed as browsers parse it
    "yaml",  # contains-json's YAML flow mappings
    "sqlglot",  # is-sql
    "rapidfuzz",  # levenshtein
    "py3langid",  # language detection; its model ships in the package
}


def imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def test_core_modules_import_only_stdlib_jsonschema_and_each_other():
    sources = sorted(CORE_DIR.rglob("*.py"))
    assert sources
    for path in sources:
        for module in imported_modules(path):
            top = module.split(".")[0]
            assert (
                top in sys.stdlib_module_names
                or top in ALLOWED_THIRD_PARTY
                or module.startswith("grading.core")
            ), f"{path.relative_to(CORE_DIR)} imports {module}"


def test_the_core_docstring_lists_every_third_party_package_it_may_use():
    docstring = grading.core.__doc__ or ""
    missing = sorted(name for name in ALLOWED_THIRD_PARTY if f"``{name}``" not in docstring)
    assert not missing, f"grading/core/__init__.py does not list {missing}"
