"""Tests for grading.core.templating: finding and filling {{ placeholders }}."""

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grading.core.templating import PLACEHOLDER, MissingVariable, placeholders, render_prompt

names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True)


def test_placeholders_finds_every_name_once():
    template = "Translate {{text}} into {{ language }}, then {{text}} again."
    assert placeholders(template) == frozenset({"text", "language"})


def test_placeholders_allows_whitespace_inside_the_braces():
    assert placeholders("{{name}} {{ name2 }} {{\tname3\n}}") == {"name", "name2", "name3"}


def test_placeholders_ignores_invalid_names_and_single_braces():
    assert placeholders("{{1abc}} {{a-b}} {{}} {x} {{ a b }} { {c} }") == frozenset()


def test_placeholders_of_a_template_without_any_is_empty():
    assert placeholders("") == frozenset()


def test_placeholder_regex_captures_the_name():
    match = PLACEHOLDER.search("say {{  greeting }}")
    assert match is not None
    assert match.group(1) == "greeting"


def test_render_prompt_fills_every_placeholder():
    rendered = render_prompt("{{a}} and {{ b }} and {{a}}", {"a": "x", "b": "y"})
    assert rendered == "x and y and x"


def test_render_prompt_ignores_extra_variables():
    assert render_prompt("Hi {{name}}", {"name": "Ada", "unused": "z"}) == "Hi Ada"


def test_render_prompt_leaves_a_template_without_placeholders_unchanged():
    assert render_prompt("No {placeholders} {{ here!", {}) == "No {placeholders} {{ here!"


def test_render_prompt_does_not_expand_placeholders_inside_values():
    rendered = render_prompt("{{a}}-{{b}}", {"a": "{{b}}", "b": "{{a}}"})
    assert rendered == "{{b}}-{{a}}"


def test_render_prompt_inserts_backslashes_and_regex_syntax_verbatim():
    value = r"\1 \g<0> $1 \n"
    assert render_prompt("[{{v}}]", {"v": value}) == f"[{value}]"


def test_render_prompt_handles_unicode_values():
    assert render_prompt("{{city}} ☀", {"city": "Zürich 東京"}) == "Zürich 東京 ☀"


def test_render_prompt_raises_missing_variable_naming_the_placeholder():
    with pytest.raises(MissingVariable) as excinfo:
        render_prompt("Summarise {{text}} in {{ language }}.", {"language": "French"})
    assert excinfo.value.name == "text"
    assert excinfo.value.names == ("text",)
    assert "{{text}}" in str(excinfo.value)


def test_missing_variable_lists_every_missing_name_in_template_order():
    with pytest.raises(MissingVariable) as excinfo:
        render_prompt("{{b}} {{a}} {{b}} {{c}}", {"c": ""})
    assert excinfo.value.name == "b"
    assert excinfo.value.names == ("b", "a")
    assert "{{b}}, {{a}}" in str(excinfo.value)


def test_missing_variable_is_not_a_key_error_and_survives_pickling():
    error = MissingVariable("text")
    assert not isinstance(error, KeyError)
    restored = pickle.loads(pickle.dumps(error))
    assert restored.name == "text"
    assert str(restored) == str(error)


def test_render_prompt_rejects_non_string_values():
    with pytest.raises(TypeError, match="'n' must be a string"):
        render_prompt("{{n}}", {"n": 3})  # type: ignore[dict-item]


@given(
    template_names=st.lists(names, max_size=5),
    values=st.dictionaries(names, st.text(max_size=20), max_size=5),
    filler=st.text(alphabet="ab {", max_size=10),  # no "}": filler never forms a placeholder
)
def test_render_prompt_never_expands_placeholders_inside_values(template_names, values, filler):
    variables = {name: values.get(name, "{{" + name + "}}") for name in template_names}
    template = filler.join("{{" + name + "}}" for name in template_names)
    rendered = render_prompt(template, variables)
    assert rendered == filler.join(variables[name] for name in template_names)


@given(st.text(max_size=50))
def test_render_prompt_with_no_placeholders_is_the_identity(text):
    if not placeholders(text):
        assert render_prompt(text, {}) == text
