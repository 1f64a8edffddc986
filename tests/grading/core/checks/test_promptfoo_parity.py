"""promptfoo semantics shared across modules: assertion values are templates filled from the
test's variables, and JavaScript assertions are refused with the Python equivalent named."""

import pytest

from grading.core.checks import build_checks
from grading.core.types import Attempt, RubricError


def run(entry, output, variables=None):  # type: ignore[no-untyped-def]
    (check,) = build_checks([entry], variables)
    return check.run(Attempt("p", "p", output, variables=variables or {}))


@pytest.mark.parametrize(
    ("entry", "output"),
    [
        ({"type": "contains", "value": "{{city}}"}, "I live in Paris."),
        ({"type": "icontains", "value": "{{ city }}"}, "Paris IT IS"),
        ({"type": "equals", "value": "{{city}}"}, "Paris"),
        ({"type": "contains-all", "value": ["{{city}}", "{{country}}"]}, "Paris, France"),
        ({"type": "regex", "value": "^{{city}}$"}, "Paris"),
        ({"type": "starts-with", "value": "{{city}}:"}, "Paris: yes"),
    ],
)
def test_values_are_filled_from_the_test_inputs_variables(entry, output):
    variables = {"city": "Paris", "country": "France"}
    assert run(entry, output, variables).passed
    assert not run(entry, output.replace("Paris", "Lyon"), variables).passed


def test_an_unknown_variable_renders_as_nothing_as_in_nunjucks():
    assert run({"type": "equals", "value": "a{{missing}}b"}, "ab", {"city": "Paris"}).passed


def test_without_variables_a_value_is_taken_literally():
    assert run({"type": "contains", "value": "{{city}}"}, "literally {{city}}").passed


def test_prompt_side_checks_keep_placeholders_literal():
    (check,) = build_checks([{"type": "prompt-not-contains", "value": "{{city}}"}], {"city": "x"})
    attempt = Attempt("Tell me about {{city}}", "Tell me about x", "out")
    assert not check.run(attempt).passed  # the learner's template does contain {{city}}


def test_object_values_are_not_rendered():
    entry = {"type": "equals", "value": {"city": "{{city}}"}}
    assert run(entry, '{"city": "{{city}}"}', {"city": "Paris"}).passed


@pytest.mark.parametrize("kind", ["javascript", "not-javascript"])
def test_javascript_assertions_are_refused_naming_the_python_equivalent(kind):
    with pytest.raises(RubricError, match="'python' check"):
        build_checks([{"type": kind, "value": "output.length > 3"}])
