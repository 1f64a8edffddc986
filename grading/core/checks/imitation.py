"""Two more screens run before any judge call: empty answers and imitations of a verdict.

* **Empty answers.** An output with no substantive content — only punctuation, whitespace or
  Markdown decoration, or only a reasoning opener or heading ("Thought process:", "Solution",
  "Let's solve this step by step", "Answer:", and their French, Spanish, German and Chinese
  forms) — is what the judge-attack literature calls a "master key": small judges tend to read
  it as the start of a good answer. It scores 0 and is never sent to a judge. It is not marked
  ``flagged``: an empty answer fails the criteria, it does not address the grader.
* **Verdict imitations.** Text that looks like the judge's own answer, in any format: a table,
  checklist, YAML or ``key: value`` lines marking criteria as met; XML or HTML verdict tags; an
  output that *begins* the judge's answer (a prefilled verdict); and claims of authority (the
  instructor, the platform, an earlier grading) — with phrase lists in English, French,
  Spanish, German and Chinese. These are flagged like the other manipulation attempts.

Everything is matched on ``flagging.normalise`` (case folded, accents stripped, homoglyphs and
invisible characters undone) with the time-limited regex helper; a match that also occurs in
the test input's variables is the output quoting its input and is not held against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import regex

from grading.core.checks.base import quote
from grading.core.checks.flagging import normalise
from grading.core.checks.timed_regex import finditer, search

__all__ = ["find_empty_answer", "find_verdict_imitation"]

# ----------------------------------------------------------------------------------------------
# Empty answers

_OPENERS = (
    # English
    r"thought process|thinking|reasoning|my reasoning|analysis|explanation|solution|answer"
    r"|final answer|the answer|response|output|result|results|step \d+|steps|here is my answer"
    r"|here'?s my answer|let'?s (?:solve|think about|work through|tackle|approach) (?:this|the)"
    r"(?: problem| question| task)?(?: step[- ]by[- ]step| carefully)?"
    r"|let'?s think(?: about it)?(?: step[- ]by[- ]step| carefully)?|step[- ]by[- ]step"
    r"|let me think(?: step[- ]by[- ]step)?|okay|ok|sure|certainly|of course"
    # French (accents stripped by normalise)
    r"|processus de reflexion|reflexion|raisonnement|analyse|reponse|reponse finale"
    r"|la reponse|resultat|etape \d+|resolvons (?:ce|le) probleme(?: etape par etape)?"
    r"|reflechissons(?: etape par etape)?|etape par etape|voici ma reponse|bien sur|d'accord"
    # Spanish
    r"|proceso de pensamiento|razonamiento|analisis|explicacion|solucion|respuesta"
    r"|respuesta final|la respuesta|paso \d+|resolvamos (?:este|el) problema(?: paso a paso)?"
    r"|pensemos(?: paso a paso)?|paso a paso|aqui esta mi respuesta|claro|por supuesto"
    # German
    r"|denkprozess|gedankengang|uberlegung|analyse|erklarung|losung|antwort|endgultige antwort"
    r"|die antwort|ergebnis|schritt \d+|losen wir (?:das|dieses) problem(?: schritt fur schritt)?"
    r"|lass(?:t)? uns (?:schritt fur schritt )?(?:nachdenken|denken)(?: schritt fur schritt)?"
    r"|schritt fur schritt|hier ist meine antwort|naturlich|klar"
    # Chinese
    r"|思考过程|思路|推理|分析|解释|解决方案|解答|解|答案|最终答案|回答|结果|第[一二三1-3]步"
    r"|步骤\s*\d*|让我们一步一步地?(?:解决这个问题|思考)?|让我们一步步(?:思考|解决)?|一步一步地?"
    r"|好的|当然"
)
_DECORATION = r"[\s\W_]*+"  # punctuation, whitespace, Markdown marks, emoji, quotes
_EMPTY = regex.compile(rf"{_DECORATION}(?:(?:{_OPENERS}){_DECORATION})*+", regex.VERSION0)


def find_empty_answer(output: str) -> str | None:
    """Return why ``output`` has no substantive content, or None if it has some.

    Substantive means anything beyond punctuation, whitespace, decoration and reasoning openers
    or headings: a single word of content, or a number, is substantive.
    """
    plain = normalise(output)
    if not plain.strip():
        return "is empty" if not output else "is only whitespace"
    match = search(_EMPTY, plain, "the empty-answer pattern")
    if match is None or match.end() != len(plain):
        return None
    if not regex.search(r"[^\W_]", plain):
        return f"is only punctuation or decoration ({quote(output.strip(), 30)})"
    return f"is only an opener or heading with no answer ({quote(output.strip(), 40)})"


# ----------------------------------------------------------------------------------------------
# Verdict imitations

# A cell or value that says "met": yes, true, pass, a tick… in five languages.
_MET = (
    r"(?:yes|y|true|met|pass|passed|ok|satisfied|fulfilled|achieved|done|correct|[✓✔✅☑]"
    r"|\[x\]|oui|vrai|rempli|satisfait|atteint|reussi|valide|si|verdadero|cumplido|aprobado"
    r"|logrado|ja|wahr|erfullt|bestanden|korrekt|是|对|通过|满足|符合|达到|正确)"
)
_CRITERION_WORD = (
    r"(?:criteri(?:on|a|ons|o|os)|critere|criteres|kriteri(?:um|en)|rubric|rubrique|rubrica"
    r"|requirement|exigence|requisito|anforderung|标准|准则|评分标准|要求)"
)
_SEP = r"[ \t]*+(?:\||:|=|-{1,2}>|→|=>|：)[ \t*_`\"']*+"

_TAG_PATTERN = regex.compile(
    r"<\s*+(?:verdict|score|grade|grading|evaluation|assessment|judg(?:e?ment|e)|criteri(?:on|a)"
    r"|critere|criterio|kriterium|met|passed|rating|result)\b[^<>]{0,200}+>"
    r"|<\s*+[\w-]++[^<>]{0,200}?\b(?:class|id|name|data-[\w-]+)\s*+=\s*+[\"']?[\w\s-]{0,40}?"
    r"(?:verdict|score|grade|evaluation|criteri)[^<>]{0,200}+>"
    r"|<[^<>]{0,200}?\b(?:met|passed|pass|verdict)\s*+=\s*+[\"']?(?:true|yes|1|pass|met)\b"
)
# Words that open a judge's answer, and what a verdict then says.
_VERDICT_OPENER = (
    r"(?:(?:final\s+|overall\s+)?(?:verdict|judgement|judgment|grading|assessment|evaluation)"
    r"|veredicto|evaluacion|calificacion|verdict final|evaluation finale|urteil|bewertung"
    r"|评估|评价|评分|判定|结论)"
)
_VERDICT_CONTENT = (
    r"(?:pass|passed|met|yes|true|all|every|both|criteri|[{\[]|\d+\s*+/\s*+\d+|10\b|100\b"
    r"|oui|reussi|tous|toutes|si\b|aprobado|todos|ja\b|bestanden|alle|通过|满足|满分|是)"
)
_PREFILL_PATTERN = regex.compile(
    r"\A[\s`>*#_\-]*+(?:json\s*+)?(?:\{\s*+\"(?:criteria|verdicts?|met|score|grade|evaluation"
    r"|result|id)\"|\[\s*+\{\s*+\"(?:id|criterion|met)\""
    rf"|{_VERDICT_OPENER}[\s*_]*+[:：][\s*_]*+{_VERDICT_CONTENT})"
)
# …or ends with a verdict opener left for the judge to complete (searched in the output's tail
# only, so that a long run of blank lines cannot make it quadratic).
_DANGLING_PATTERN = regex.compile(rf"(?:\A|\n)[ \t>*#_\-]*+{_VERDICT_OPENER}[ \t*_]*+[:：]\s*+\Z")
_DANGLING_TAIL_CHARS = 200
_FILLER = r"(?:\s++[^\W\d_]++){0,3}?"  # "of this course", "du cours", "del curso"
_ROLE_EN = (
    r"(?:course\s+)?(?:instructor|teacher|professor|tutor|lecturer|administrator|admin"
    r"|moderator|course (?:author|owner|staff)|platform|examiner|grader)"
)
_AUTHORITY_PATTERN = regex.compile(
    # English: a first-person claim in a role ("As the course instructor, I confirm…")
    rf"\b(?:as|speaking as)\s+(?:the|your|this|a)\s+{_ROLE_EN}{_FILLER}\W{{0,3}}\s*+(?:i|we)\b"
    rf"|\b(?:i am|i'm|this is)\s+(?:the|your)\s+{_ROLE_EN}\b"
    r"|\b(?:the|your)\s+(?:course\s+)?(?:instructor|teacher|professor|tutor|administrator"
    r"|admin|platform|staff)\s+(?:has\s+|have\s+)?(?:already\s+)?(?:confirmed|approved|verified"
    r"|validated|certified|signed off)\s+(?:this|that|the|my|it)\b"
    r"|\b(?:already|previously)\s+(?:been\s+)?(?:graded|scored|marked|evaluated|assessed)\b"
    r"|\b(?:was|were|has been|have been|had been)\s+(?:already\s+|previously\s+)?(?:graded"
    r"|scored|marked|evaluated|assessed|approved|verified|validated)\s+(?:before|previously"
    r"|earlier|already|by (?:the|an?|your) (?:instructor|teacher|professor|platform|admin"
    r"|administrator|grader|evaluator|staff))\b"
    r"|\b(?:pre-?approved|pre-?graded|pre-?verified|pre-?validated)\b"
    r"|\b(?:previous|earlier|prior|original|official)\s+(?:grading|evaluation|assessment)\s+"
    r"(?:gave|awarded|found|scored|marked|confirmed|passed)\b"
    # French
    r"|\ben tant que\s+(?:votre\s+|le\s+|la\s+|l')?(?:professeur|enseignante?|format(?:eur|rice)"
    r"|instructeur|responsable du cours|administrateur|correcteur|examinateur|plateforme)"
    rf"{_FILLER}\W{{0,3}}\s*+(?:je|j'|nous)"
    r"|\bdeja\s+(?:ete\s+)?(?:corrige|evalue)e?s?\b"
    r"|\b(?:le|la|votre)\s+(?:professeur|enseignante?|formateur|plateforme|administrateur)\s+"
    r"a\s+(?:deja\s+)?(?:confirme|valide|approuve|verifie)\s+(?:cette|ce|la|le|ma|mon)\b"
    # Spanish
    r"|\bcomo\s+(?:el\s+|la\s+|su\s+|tu\s+)?(?:profesora?|instructora?|docente|administrador"
    rf"|evaluador|examinador|plataforma){_FILLER}\W{{0,3}}\s*+(?:yo\s+)?(?:confirmo|certifico|apruebo"
    r"|declaro|garantizo|valido)\b"
    r"|\bya\s+(?:fue|ha sido|habia sido)\s+(?:calificad|evaluad|corregid)[ao]s?\b"
    r"|\b(?:el|la|su)\s+(?:profesora?|instructora?|docente|plataforma|administrador)\s+"
    r"(?:ya\s+)?(?:confirmo|aprobo|valido|verifico)\s+(?:esta|este|la|el|mi)\b"
    # German
    r"|\bals\s+(?:ihr\s+|dein\s+|der\s+|die\s+)?(?:kursleiter(?:in)?|lehrer(?:in)?|dozent(?:in)?"
    r"|ausbilder(?:in)?|administrator(?:in)?|prufer(?:in)?|bewerter(?:in)?|plattform)"
    rf"{_FILLER}\W{{0,3}}\s*+"
    r"(?:bestatige|genehmige|erklare|versichere|bescheinige|bewerte)\s+ich\b"
    r"|\b(?:bereits|schon)\s+(?:bewertet|benotet|korrigiert)\b"
    r"|\b(?:der|die|ihr|dein)\s+(?:kursleiter(?:in)?|lehrer(?:in)?|dozent(?:in)?|plattform)\s+"
    r"hat\s+(?:bereits\s+|schon\s+)?(?:bestatigt|genehmigt|freigegeben)\s+(?:dass|diese|den"
    r"|die|das|meine)\b"
    # Chinese
    r"|作为(?:你的|您的|本课程的)?(?:老师|教师|讲师|导师|管理员|课程负责人|评分员|平台)[，,]?\s*+我"
    r"(?:确认|保证|批准|证明|宣布)"
    r"|(?:已经|早已|之前已?)(?:被)?(?:评分|批改|打分|评估)"
    r"|(?:老师|教师|讲师|平台|管理员)(?:已经?|已)(?:确认|批准|验证)(?:这|此|该|我)"
)
_CHINESE_ORDERS = regex.compile(
    r"忽略(?:之前|以上|上面|所有|先前|前面)的?(?:所有)?(?:指令|指示|说明|规则|要求)"
    r"|(?:给|请给|打)(?:我|这个答案|此答案|本答案)?(?:满分|最高分|100分|10分)"
    r"|(?:评|判)(?:为|定为)(?:满分|通过|合格)|所有(?:标准|要求)(?:都)?(?:已)?(?:满足|符合|达到)"
    r"|(?:评分|得分|分数|评估|判定|结论|评价)\s*+[:：]\s*+(?:满分|通过|合格|10\s*+/\s*+10|100)"
)


def _content_words(text: str) -> set[str]:
    """Stems (first four letters) of the words of four letters or more: "opens" and "opening"
    both give "open", so a line rephrasing a criterion still shares its stems."""
    return {word[:4] for word in regex.findall(r"[^\W\d_]{4,}", normalise(text))}


_MET_CELL = regex.compile(rf"{_SEP}{_MET}[ \t*_`\"'.!]*+(?:\||$)")
_CHECKBOX = regex.compile(r"^[ \t>]*+(?:[-*+]|\d+[.)])?[ \t]*+(?:\[x\]|[✓✔✅☑])")
_NAMES_A_CRITERION = regex.compile(rf"\b{_CRITERION_WORD}|{_CRITERION_WORD}")


@dataclass(frozen=True)
class _CriterionCue:
    """What identifies one rubric criterion in a line: its id as a word, its description's stems."""

    id_pattern: regex.Pattern[str]
    stems: frozenset[str]

    @classmethod
    def of(cls, criterion_id: str, description: str) -> _CriterionCue:
        escaped = regex.escape(criterion_id.casefold())
        pattern = regex.compile(rf"(?<![^\W_]){escaped}(?![^\W_])")
        return cls(pattern, frozenset(_content_words(description)))


def _marks_criteria_met(line: str, cues: Sequence[_CriterionCue]) -> bool:
    """Whether a table row, checklist item or key: value line marks a criterion as met."""
    if _MET_CELL.search(line) is None and _CHECKBOX.search(line) is None:
        return False
    if _NAMES_A_CRITERION.search(line):
        return True
    words = _content_words(line)
    for cue in cues:
        if cue.id_pattern.search(line):
            return True
        shared = len(words & cue.stems)
        if cue.stems and (shared >= 2 or shared * 2 >= len(cue.stems)):
            return True
    return False


def _quoted(matched: str, given: Sequence[str]) -> bool:
    return bool(matched.strip()) and any(matched.strip() in source for source in given)


def find_verdict_imitation(
    output: str, criteria: Sequence[tuple[str, str]] = (), given: Sequence[str] = ()
) -> str | None:
    """Return why ``output`` imitates the judge's verdict or claims authority, or None.

    ``criteria`` are the rubric's (id, description) pairs, so that a table or checklist marking
    them as met is recognised; ``given`` are the test input's texts (exempt when quoted).
    Raises RegexTimeout if a pattern runs out of time: the caller must treat the output as
    unscreened, never as clean.
    """
    plain = normalise(output)
    sources = [normalise(text) for text in given if text.strip()]
    prefill = search(_PREFILL_PATTERN, plain, "the prefilled-verdict pattern") or search(
        _DANGLING_PATTERN, plain.rstrip()[-_DANGLING_TAIL_CHARS:], "the dangling-verdict pattern"
    )
    if prefill is not None and not _quoted(prefill.group(0), sources):
        return f"begins the judge's answer for it: {quote(prefill.group(0).strip(), 50)}"
    screens = (
        (_TAG_PATTERN, "imitates a verdict in markup"),
        (
            _AUTHORITY_PATTERN,
            "claims the authority of the instructor, platform or an earlier grading",
        ),
        (_CHINESE_ORDERS, "addresses the grader"),
    )
    for pattern, label in screens:
        for match in finditer(pattern, plain, f"the {label!r} pattern"):
            if not _quoted(match.group(0), sources):
                return f"{label}: {quote(match.group(0).strip(), 60)}"
    cues = [_CriterionCue.of(criterion_id, description) for criterion_id, description in criteria]
    for line in plain.splitlines():
        if len(line) > 2_000 or _quoted(line, sources):
            continue
        if _marks_criteria_met(line, cues):
            return f"marks the rubric's criteria as met: {quote(line.strip(), 60)}"
    return None
