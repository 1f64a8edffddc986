"""No injection raises an llm-rubric score, with a gullible stub judge or the local model.

The corpus is in ``judge_corpus.py``. Each injection is appended to (or put before) an answer
that meets no criterion; its score must not exceed that answer's score alone. Ordinary outputs,
some with words such as "score" or "grade", must not be flagged.
"""

import asyncio
import base64
import binascii
import codecs
import json
import re
import unicodedata
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grading.adapters.clients import ModelClient, ModelRequest
from grading.core.checks import build_checks
from grading.core.checks.flagging import find_manipulation
from grading.core.checks.judge import Criterion, build_messages
from grading.core.types import Attempt, CheckResult, JudgeCall, Tools
from localmodels.bundled import QWEN
from tests.demo.conftest import local_model_client  # noqa: F401  (a session fixture)
from tests.grading.judge_corpus import (
    BENIGN_NEAR_IMITATIONS,
    BENIGN_OUTPUTS,
    FAILING_ANSWER,
    IMITATIONS,
    INJECTIONS,
    MASTER_KEYS,
    PASSING_ANSWER,
    RUBRIC,
)

SEED = "a-per-submission-secret"
LOCAL_MODEL = f"local/{QWEN.name}"


# --------------------------------------------------------------------------------------------
# A deliberately gullible judge

_TRIGGERS = re.compile(
    r"full ?marks|score|grade|\bmet\b|ignor|grader|evaluat|judge|rubric|criteri|\bpass"
    r"|instruction|system|override|note|punkt|puntuaci|consignes|anweisung|decode|encoded"
    r"|<!--|\[//\]|<\|"
)
_LEET = str.maketrans("0134571", "oieastl")


def _candidate_output(call: JudgeCall) -> str:
    """The output as the judge sees it: the JSON string between the delimiter lines."""
    lines = call.messages[1]["content"].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("<<<CANDIDATE-OUTPUT-"))
    return str(json.loads(lines[start + 1]))


def _fooled_by(text: str) -> bool:
    """Whether the gullible judge obeys ``text``: any trigger word in any reading of it, any
    character it cannot read (non-ASCII), or anything that looks like base64."""
    if any(ord(char) > 127 for char in text) or re.search(r"[A-Za-z0-9+/]{16,}={0,2}", text):
        return True
    readings = [text.casefold(), codecs.encode(text, "rot13").casefold()]
    readings.append(re.sub(r"[^a-z]", "", readings[0].translate(_LEET)))
    return any(_TRIGGERS.search(reading) for reading in readings) or any(
        word in readings[-1] for word in ("fullmarks", "ignore", "instructions")
    )


class GullibleJudge:
    """Marks every criterion met whenever the output it reads contains something that looks
    like an instruction to it; otherwise none. Records the outputs it was asked about."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def __call__(self, call: JudgeCall) -> str:
        output = _candidate_output(call)
        self.seen.append(output)
        met = _fooled_by(output)
        ids = re.findall(r'"id": "([^"]+)"', call.messages[0]["content"])
        return json.dumps(
            {"criteria": [{"id": i, "met": met, "evidence": "as instructed"} for i in ids]}
        )


def grade(
    output: str,
    judge: Callable[[JudgeCall], Awaitable[str]],
    model: str,
    rubric: dict[str, Any] = RUBRIC,
) -> CheckResult:
    (check,) = build_checks([rubric])
    tools = Tools(judge=judge, judge_model=model, seed=SEED)
    return asyncio.run(check.arun(Attempt("p", "p", output), tools))


def test_the_corpus_has_at_least_30_distinct_injections_and_10_benign_outputs():
    assert len(set(INJECTIONS.values())) == len(INJECTIONS) >= 30
    assert len(set(BENIGN_OUTPUTS.values())) == len(BENIGN_OUTPUTS) >= 10


@pytest.mark.parametrize("name", INJECTIONS)
def test_the_stub_judge_really_is_fooled_by_every_injection_when_it_gets_to_read_it(name):
    """Without flagging, each injection would raise the stub's score: the test below can fail."""
    criteria = [Criterion(c["id"], c["description"]) for c in RUBRIC["criteria"]]
    messages = build_messages(criteria, FAILING_ANSWER + INJECTIONS[name], SEED)
    answer = asyncio.run(GullibleJudge()(JudgeCall("stub", messages)))
    assert all(item["met"] for item in json.loads(answer)["criteria"])


def test_the_stub_judge_fails_the_failing_answer_alone():
    judge = GullibleJudge()
    result = grade(FAILING_ANSWER, judge, "stub")
    assert judge.seen == [FAILING_ANSWER]
    assert (result.score, result.passed, result.flagged, result.error) == (0.0, False, False, False)


@pytest.mark.parametrize("where", ["after", "before"])
@pytest.mark.parametrize("name", INJECTIONS)
def test_no_injection_raises_the_score_with_a_gullible_judge(name, where):
    injection = INJECTIONS[name]
    output = FAILING_ANSWER + injection if where == "after" else injection + "\n" + FAILING_ANSWER
    baseline = grade(FAILING_ANSWER, GullibleJudge(), "stub")
    judge = GullibleJudge()
    result = grade(output, judge, "stub")
    assert result.score <= baseline.score
    assert (result.passed, result.score, result.flagged) == (False, 0.0, True), result.reason
    assert judge.seen == []  # flagged before any judge call


ONE_CRITERION_RUBRIC = {"type": "llm-rubric", "value": "The reply gives the store's opening hours."}


@pytest.mark.parametrize("rubric", ["two criteria", "one criterion"])
@pytest.mark.parametrize("where", ["after", "before"])
@pytest.mark.parametrize("name", IMITATIONS)
def test_verdict_imitations_and_authority_claims_are_flagged_before_any_judge_call(
    name, where, rubric
):
    imitation = IMITATIONS[name]
    output = FAILING_ANSWER + imitation if where == "after" else imitation + "\n" + FAILING_ANSWER
    if name == "dangling-verdict" and where == "before":
        pytest.skip("an opener followed by an answer leaves nothing for the judge to complete")
    judge = GullibleJudge()
    result = grade(
        output, judge, "stub", RUBRIC if rubric == "two criteria" else ONE_CRITERION_RUBRIC
    )
    assert (result.passed, result.score, result.flagged) == (False, 0.0, True), result.reason
    assert judge.seen == []


@pytest.mark.parametrize("name", MASTER_KEYS)
def test_empty_answers_score_0_and_are_never_sent_to_a_judge(name):
    judge = GullibleJudge()
    result = grade(MASTER_KEYS[name], judge, "stub")
    assert (result.passed, result.score, result.error) == (False, 0.0, False), result.reason
    assert judge.seen == []
    assert "not sent to the judge" in result.reason


@pytest.mark.parametrize("name", BENIGN_NEAR_IMITATIONS)
def test_ordinary_outputs_near_the_new_screens_still_reach_the_judge(name):
    output = BENIGN_NEAR_IMITATIONS[name]
    judge = GullibleJudge()
    result = grade(output, judge, "stub")
    assert not result.flagged, result.reason
    assert judge.seen == [output]


def test_a_table_the_test_input_itself_contains_is_not_held_against_the_output():
    table = "| polite | yes |"
    (check,) = build_checks([RUBRIC])
    tools = Tools(judge=GullibleJudge(), judge_model="stub", seed=SEED)
    attempt = Attempt("p", "p", f"You sent:\n{table}", variables={"ticket": table})
    assert not asyncio.run(check.arun(attempt, tools)).flagged


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


DISGUISES = {
    "upper": str.upper,
    "zero-width-everywhere": lambda text: "\u200b".join(text),
    "fullwidth": _fullwidth,
    "soft-hyphens-and-nbsp": lambda text: text.replace(" ", "\u00a0").replace("e", "e\u00ad"),
}


ENCODED = {"rot13", "base64", "tag-characters"}  # only invisible characters leave these intact


@pytest.mark.parametrize(
    ("name", "disguise"),
    [
        (name, disguise)
        for name in INJECTIONS
        for disguise in DISGUISES
        if name not in ENCODED or disguise == "zero-width-everywhere"
    ],
)
def test_disguising_an_injection_does_not_hide_it(name, disguise):
    assert find_manipulation(FAILING_ANSWER + DISGUISES[disguise](INJECTIONS[name])) is not None


@given(st.sampled_from(sorted(BENIGN_OUTPUTS)), st.sampled_from(sorted(INJECTIONS)))
def test_an_injection_is_flagged_whatever_answer_it_is_added_to(benign, injection):
    assert find_manipulation(BENIGN_OUTPUTS[benign] + INJECTIONS[injection]) is not None


@pytest.mark.parametrize("name", BENIGN_OUTPUTS)
def test_ordinary_outputs_are_not_flagged_and_go_to_the_judge(name):
    output = BENIGN_OUTPUTS[name]
    assert find_manipulation(output) is None
    judge = GullibleJudge()
    result = grade(output, judge, "stub")
    assert not result.flagged
    assert judge.seen == [output]


def test_the_answers_of_the_corpus_are_not_flagged():
    assert find_manipulation(PASSING_ANSWER) is None
    assert find_manipulation(FAILING_ANSWER) is None


def test_base64_that_does_not_hide_instructions_is_not_flagged():
    blob = base64.b64encode(b"The store opens at nine on weekdays.").decode()
    assert find_manipulation(f"Attachment: {blob}") is None
    assert find_manipulation("sha256: " + binascii.hexlify(b"x" * 32).decode()) is None


def test_normalisation_does_not_merge_accented_benign_text_into_triggers():
    text = unicodedata.normalize("NFD", "Résumé: noté 4/5 par le client, très satisfait.")
    assert find_manipulation(text) is None


# --------------------------------------------------------------------------------------------
# The real local model as the judge


def model_judge(client: ModelClient) -> Callable[[JudgeCall], Awaitable[str]]:
    """Adapt a ``grading.adapters.clients.ModelClient`` into a ``Tools.judge`` callable."""

    async def judge(call: JudgeCall) -> str:
        request = ModelRequest(
            model=call.model,
            messages=tuple(dict(message) for message in call.messages),
            temperature=call.temperature,
            max_tokens=call.max_tokens,
        )
        return (await client.complete(request)).text

    return judge


# A 0.5B model judges one criterion at a time far more reliably than several at once.
LOCAL_RUBRIC = ONE_CRITERION_RUBRIC


@pytest.fixture(scope="module")
def local_judge(local_model_client):  # noqa: F811
    return model_judge(local_model_client)


@pytest.fixture(scope="module")
def local_baseline(local_judge) -> CheckResult:
    """The local judge's verdict on the failing answer alone (one or two model calls)."""
    return grade(FAILING_ANSWER, local_judge, LOCAL_MODEL, LOCAL_RUBRIC)


@pytest.mark.localmodel
def test_the_local_model_judges_a_benign_pass_and_fail_sensibly(local_judge, local_baseline):
    passing = grade(PASSING_ANSWER, local_judge, LOCAL_MODEL, LOCAL_RUBRIC)
    assert (passing.passed, passing.score, passing.error) == (True, 1.0, False), passing.details
    assert not local_baseline.passed, local_baseline.details
    assert not local_baseline.flagged


@pytest.mark.localmodel
def test_no_injection_raises_the_score_with_the_local_model_as_judge(local_judge, local_baseline):
    for name, injection in {**INJECTIONS, **IMITATIONS}.items():
        result = grade(FAILING_ANSWER + injection, local_judge, LOCAL_MODEL, LOCAL_RUBRIC)
        assert result.score <= local_baseline.score, (name, result.reason)
        assert not result.passed, (name, result.reason)


@pytest.mark.localmodel
def test_master_keys_appended_to_a_wrong_answer_do_not_raise_its_score_on_the_local_model(
    local_judge, local_baseline
):
    for name, output in MASTER_KEYS.items():
        if not output.strip():
            continue
        result = grade(f"{FAILING_ANSWER}\n\n{output}", local_judge, LOCAL_MODEL, LOCAL_RUBRIC)
        assert result.score <= local_baseline.score, (name, result.reason)
        assert not result.passed, (name, result.reason)


def test_the_judge_never_sees_openers_appended_to_an_answer():
    judge = GullibleJudge()
    grade(f"{FAILING_ANSWER}\n\nThought process: ... Solution.", judge, "stub")
    assert judge.seen == [f"{FAILING_ANSWER}\n\n"]


@pytest.mark.localmodel
def test_no_master_key_scores_above_a_clean_wrong_answer_on_the_local_model(
    local_judge, local_baseline
):
    for name, output in MASTER_KEYS.items():
        result = grade(output, local_judge, LOCAL_MODEL, LOCAL_RUBRIC)
        assert result.score <= local_baseline.score, (name, result.reason)
        assert not result.passed, (name, result.reason)
