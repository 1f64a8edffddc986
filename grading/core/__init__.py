"""Pure-Python grading core: attempts in, grades out.

Nothing in this package imports Django or any project app, does I/O or reads a clock; model
calls, embeddings and sandboxed code arrive as functions in ``types.Tools`` (injected by
``grading.services``), so everything here is unit-testable in milliseconds.

It depends on the standard library and on these pure, offline packages (the list that
``tests/grading/core/test_core_isolation.py`` enforces):

- ``jsonschema`` and its ``referencing``: JSON Schema validation (is-json, contains-json, the
  judge's verdict schema);
- ``regex``: every pattern run on model output, with a time limit (``checks/timed_regex.py``);
- ``defusedxml``: XML without entity expansion (is-xml, contains-xml);
- ``html5lib``: HTML parsed as browsers parse it (is-html);
- ``yaml`` (PyYAML): YAML flow mappings in contains-json, as promptfoo reads them;
- ``sqlglot``: is-sql;
- ``rapidfuzz``: levenshtein;
- ``py3langid``: language detection, its model shipped inside the package.
"""
