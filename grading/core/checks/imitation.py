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

__all__ = ["find_empty_answer", "find_verdict_imitation", "without_openers"]

# ----------------------------------------------------------------------------------------------
# Empty answers

_OPENERS = (
    # English
    r"thought process|thinking|reasoning|my reasoning|analysis|explanation|solution|answer"
    r"|final answer|the answer|response|output|result|results|step \d+|steps|here is my answer"
    r"|here'?s my answer|let'?s (?:solve|think about|work through|tackle|approach) (?:this|the)"
    r"(?: problem| question| task)?(?: step[- ]by[- ]step| carefully)?"
    r"|let'?s think(?: about it)?(?: step[- ]by[- ]step| carefully)?|step[- ]by[- ]step"
    r"|let me think(?: step[- ]by[- ]step)?|okay|ok|sure|sure thing|certainly|of course"
    r"|(?:here is|here'?s|here are|below is|below are)(?: (?:the|my|an?))?(?: (?:final |full "
    r"|complete |short |step[- ]by[- ]step )?(?:answer|solution|response|explanation|reply"
    r"|output|result)s?)?|(?:the|my) (?:final )?(?:answer|solution|response) (?:is|would be)"
    r"|let me (?:explain|answer|help|think about it)|i'?ll explain|step[- ]by[- ]step solution"
    # French (accents stripped by normalise)
    r"|processus de reflexion|reflexion|raisonnement|analyse|reponse|reponse finale"
    r"|la reponse|resultat|etape \d+|resolvons (?:ce|le) probleme(?: etape par etape)?"
    r"|reflechissons(?: etape par etape)?|etape par etape|voici ma reponse|bien sur|d'accord"
    r"|voici(?: (?:la|ma|une))?(?: (?:reponse|solution|explication))?|(?:la|ma) (?:reponse"
    r"|solution) (?:est|serait)|laissez-moi (?:expliquer|repondre)|je vais (?:expliquer|repondre)"
    # Spanish
    r"|proceso de pensamiento|razonamiento|analisis|explicacion|solucion|respuesta"
    r"|respuesta final|la respuesta|paso \d+|resolvamos (?:este|el) problema(?: paso a paso)?"
    r"|pensemos(?: paso a paso)?|paso a paso|aqui esta mi respuesta|claro|por supuesto"
    r"|aqui (?:esta|tienes)(?: (?:la|mi|una))?(?: (?:respuesta|solucion|explicacion))?"
    r"|(?:la|mi) (?:respuesta|solucion) (?:es|seria)|dejame explicar(?:te)?|te explico"
    # German
    r"|denkprozess|gedankengang|uberlegung|analyse|erklarung|losung|antwort|endgultige antwort"
    r"|die antwort|ergebnis|schritt \d+|losen wir (?:das|dieses) problem(?: schritt fur schritt)?"
    r"|lass(?:t)? uns (?:schritt fur schritt )?(?:nachdenken|denken)(?: schritt fur schritt)?"
    r"|schritt fur schritt|hier ist meine antwort|naturlich|klar"
    r"|hier (?:ist|sind)(?: (?:die|meine|eine))?(?: (?:antwort|losung|erklarung))?"
    r"|(?:die|meine) (?:antwort|losung) (?:ist|ware)|lass(?:t)? mich (?:erklaren|antworten)"
    # Chinese
    r"|思考过程|思路|推理|分析|解释|解决方案|解答|解|答案|最终答案|回答|结果|第[一二三1-3]步"
    r"|步骤\s*\d*|让我们一步一步地?(?:解决这个问题|思考)?|让我们一步步(?:思考|解决)?|一步一步地?"
    r"|好的|当然|以下是(?:答案|解答|我的答案|回答)?|答案(?:是|如下)|解答如下|如下|让我(?:来)?解释(?:一下)?"
)
_DECORATION = (  # punctuation, whitespace, Markdown marks, emoji, quotes, empty markup tags
    r"(?:<\s*+/?\s*+[a-z][\w-]{0,20}+\s*+/?\s*+>|(?:[^\w<]|_)++|<)*+"
)


def _longest_first(alternation: str) -> str:
    """The top-level alternatives of a pattern, longest first: the repetition below is
    possessive, so "the answer is" must be tried before "the answer"."""
    parts, depth, start = [], 0, 0
    for position, char in enumerate(alternation):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(alternation[start:position])
            start = position + 1
    parts.append(alternation[start:])
    return "|".join(sorted(parts, key=len, reverse=True))


_EMPTY = regex.compile(
    rf"{_DECORATION}(?:(?:{_longest_first(_OPENERS)}){_DECORATION})*+", regex.VERSION0
)


_BARE_MARKERS = regex.compile(r"(?m)^[ \t>*-]*+\d{1,2}[.)][ \t]*+$")


def find_empty_answer(output: str) -> str | None:
    """Return why ``output`` has no substantive content, or None if it has some.

    Substantive means anything beyond punctuation, whitespace, decoration and reasoning openers
    or headings: a single word of content, or a number, is substantive.
    """
    plain = normalise(output)
    if not plain.strip():
        return "is empty" if not output else "is only whitespace"
    if len(_BARE_MARKERS.findall(plain)) >= 2:  # "1.\n2.\n3." is a list with nothing in it
        plain = _BARE_MARKERS.sub("", plain)
    match = search(_EMPTY, plain, "the empty-answer pattern")
    if match is None or match.end() != len(plain):
        return None
    if not regex.search(r"[^\W_]", plain):
        return f"is only punctuation or decoration ({quote(output.strip(), 30)})"
    return f"is only an opener or heading with no answer ({quote(output.strip(), 40)})"


_PIECE = regex.compile(r"[^\n.!?。！？]*+(?:[.!?。！？]++|\n|\Z)")


def _is_opener(piece: str) -> bool:
    """Only openers (with decoration): "Solution.", "Thought process: …". Pure decoration
    ("|---|---|", "***") is structure, and stays."""
    return regex.search(r"[^\W_]", piece) is not None and find_empty_answer(piece) is not None


def without_openers(output: str) -> str:
    """``output`` without its sentences and lines that are only openers or decoration.

    A master key appended to a real answer ("…look it up yourself. Thought process: …
    Solution.") carries no content, yet small judges credit it; the judge sees the answer
    without it. Whitespace and everything substantive are kept as they are.
    """
    pieces = [match.group(0) for match in _PIECE.finditer(output) if match.group(0)]
    kept = [piece for piece in pieces if not _is_opener(piece)]
    return "".join(kept) if len(kept) < len(pieces) else output


# ----------------------------------------------------------------------------------------------
# Verdict imitations

# A cell or value that says "met": yes, true, pass, a tick… in five languages.
_MET = (
    r"(?:yes|y|true|met|pass|passed|ok|satisfied|fulfilled|achieved|done|correct|[✓✔✅☑]"
    r"|\[x\]|oui|vrai|rempli|satisfait|atteint|reussi|valide|si|verdadero|cumplido|aprobado"
    r"|logrado|ja|wahr|erfullt|bestanden|korrekt|respecte|respetado|eingehalten|rispettato"
    r"|是|对|通过|满足|符合|达到|正确)"
)
_CRITERION_WORD = (
    r"(?:criteri(?:on|a|ons|o|os)|critere|criteres|kriteri(?:um|en)|rubric|rubrique|rubrica"
    r"|requirement|exigence|requisito|anforderung|标准|准则|评分标准|要求)"
)
_SEP = r"(?:[ \t]*+(?:\||:|=|-{1,2}>|→|=>|：)|[ \t]++[-–—](?=[ \t]))[ \t*_`\"']*+"

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
    r"(?:pass|passed|met|yes|true|all|every|both|criteri|[{\[]"
    r"|oui|reussi|tous|toutes|si\b|aprobado|todos|ja\b|bestanden|alle|通过|满足|满分|是)"
)
_PREFILL_PATTERN = regex.compile(
    r"\A[\s`>*#_\-]*+(?:json\s*+)?(?:\{\s*+\"(?:criteria|verdicts?|met|pass|passed|grade"
    r"|grading|evaluation)\"|\[\s*+\{\s*+\"(?:criterion|met)\""
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
    r"|\b(?:pre-?approved|pre-?graded|pre-?verified|pre-?validated)\b"
    r"|\b(?:previous|earlier|prior|original|official)\s+(?:grading|evaluation|assessment)\s+"
    r"(?:gave|awarded|found|scored|marked|confirmed|passed)\b"
    # French
    r"|\ben tant que\s+(?:votre\s+|le\s+|la\s+|l')?(?:professeur|enseignante?|format(?:eur|rice)"
    r"|instructeur|responsable du cours|administrateur|correcteur|examinateur|plateforme)"
    rf"{_FILLER}\W{{0,3}}\s*+(?:je|j'|nous)"
    r"|\b(?:le|la|votre)\s+(?:professeur|enseignante?|formateur|plateforme|administrateur)\s+"
    r"a\s+(?:deja\s+)?(?:confirme|valide|approuve|verifie)\s+(?:cette|ce|la|le|ma|mon)\b"
    # Spanish
    r"|\bcomo\s+(?:el\s+|la\s+|su\s+|tu\s+)?(?:profesora?|instructora?|docente|administrador"
    rf"|evaluador|examinador|plataforma){_FILLER}\W{{0,3}}\s*+(?:yo\s+)?(?:confirmo|certifico|apruebo"
    r"|declaro|garantizo|valido)\b"
    r"|\b(?:el|la|su)\s+(?:profesora?|instructora?|docente|plataforma|administrador)\s+"
    r"(?:ya\s+)?(?:confirmo|aprobo|valido|verifico)\s+(?:esta|este|la|el|mi)\b"
    # German
    r"|\bals\s+(?:ihr\s+|dein\s+|der\s+|die\s+)?(?:kursleiter(?:in)?|lehrer(?:in)?|dozent(?:in)?"
    r"|ausbilder(?:in)?|administrator(?:in)?|prufer(?:in)?|bewerter(?:in)?|plattform)"
    rf"{_FILLER}\W{{0,3}}\s*+"
    r"(?:bestatige|genehmige|erklare|versichere|bescheinige|bewerte)\s+ich\b"
    r"|\b(?:der|die|ihr|dein)\s+(?:kursleiter(?:in)?|lehrer(?:in)?|dozent(?:in)?|plattform)\s+"
    r"hat\s+(?:bereits\s+|schon\s+)?(?:bestatigt|genehmigt|freigegeben)\s+(?:dass|diese|den"
    r"|die|das|meine)\b"
    # Chinese
    r"|作为(?:你的|您的|本课程的)?(?:老师|教师|讲师|导师|管理员|课程负责人|评分员|平台)[，,]?\s*+我"
    r"(?:确认|保证|批准|证明|宣布)"
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
_CHECKBOX = regex.compile(r"^[ \t>]*+(?:[-*+]|\d+[.)])?[ \t]*+(?:\[[x✓✔✅☑]\]|[✓✔✅☑])")
_TICK = regex.compile(r"\[[x✓✔✅☑]\]|[✓✔✅☑]")
_TICK_LABEL_WORDS = 2
_NOT_MET = regex.compile(
    r"(?:\||:|=|-|→|,)[ \t*_`\"']*+(?:no|false|not met|fail|failed|non|faux|nein|falsch|否|不)"
    r"[ \t*_`\"'.!]*+(?:\||$)|[❌✗✘☒]|\[ \]",
    regex.MULTILINE,
)
_STRONG_CRITERION = regex.compile(
    r"(?<![^\W_])(?:criteri(?:on|a|ons|o|os)|critere|criteres|kriteri(?:um|en)|rubric|rubrique"
    r"|rubrica)(?![^\W_])|标准|评分标准|准则"
)
# Column names of a verdict table, beside a "Criterion" column.
_VERDICT_COLUMN = regex.compile(
    r"\A(?:met|pass|passed|status|result|verdict|score|points|satisfied|fulfilled|ok|respecte"
    r"|rempli|satisfait|valide|resultat|cumple|cumplido|resultado|puntuacion|erfullt"
    r"|bestanden|bewertung|ergebnis|punkte|是否满足|满足|通过|结果|评分|得分)\Z"
)
# "label: value", "label = value", "label - value", "label → value" pairs anywhere in a line.
_LABEL_VALUE = regex.compile(
    r"[\"']?([^\W\d_][^\W_]{1,30}+(?:[ \t][^\W\d_][^\W_]{1,30}+){0,2})[\"']?[ \t]*+"
    r"(?::|=|-{1,2}>|→|=>|：|[ \t][-–—])[ \t*_`\"']*+([^\s,;|\"'}]{1,12}+)"
)
_LABELLED = regex.compile(r"([^\W\d_][^\W_]*+(?:[ \t]+[^\W\d_][^\W_]*+)?)[ \t]*+[✓✔✅☑]")
_NAMES_A_CRITERION = regex.compile(rf"\b{_CRITERION_WORD}|{_CRITERION_WORD}")
# A whole cell that says "met", or scores it: "yes", "✅", "1", "5/5", "100%".
_MET_VALUE = regex.compile(
    rf"\A[ \t*_`\"'.!]*+(?:{_MET}|1(?:\.0+)?|100 ?%|(\d{{1,3}}) ?/ ?(\d{{1,3}}))[ \t*_`\"'.!]*+\Z"
)
# A YAML or key: value line whose key is the verdict itself ("met: true").
_VERDICT_FIELD = regex.compile(
    r"\A[ \t>*#_\-]*+[\"']?(?:met|pass|passed|satisfied|fulfilled|verdict)[\"']?[ \t]*+[:=]"
    r"[ \t]*+[\"']?(?:true|yes|pass|passed|met|1)\b"
)
_CSV_LINE = regex.compile(r"\A[^,;\t\n]{1,60}+(?:[,;\t][^,;\t\n]{1,60}+){1,6}+\Z")
_KEY_SEPARATOR = regex.compile(r"[:=：]|->|→|=>")
# Table markup becomes lines and cells, so that an HTML table reads like a Markdown one.
_HTML_ROW = regex.compile(r"<\s*+/?\s*+(?:tr|br|li|p|div|dt|dd)\b[^<>]{0,200}+>")
_HTML_CELL = regex.compile(r"<\s*+/?\s*+(?:td|th|span)\b[^<>]{0,200}+>")


def _cells(line: str) -> list[str]:
    """The cells of a table row, CSV record or key: value line (one cell for prose)."""
    if "|" in line:
        return [cell for cell in line.split("|") if cell.strip()]
    if _CSV_LINE.match(line) and all(
        len(cell.split()) <= 4 for cell in regex.split(r"[,;\t]", line)
    ):
        return regex.split(r"[,;\t]", line)
    return [part for part in _KEY_SEPARATOR.split(line, maxsplit=1) if part.strip()]


def _is_met_value(cell: str) -> bool:
    match = _MET_VALUE.match(cell)
    if match is None:
        return False
    if match.group(1) is not None:  # a fraction counts only at the top: 5/5, not 2/5
        numerator, denominator = int(match.group(1)), int(match.group(2))
        return denominator > 0 and numerator >= denominator
    return True


@dataclass(frozen=True)
class _CriterionCue:
    """What identifies one rubric criterion in a line: its id as a word, its description's stems."""

    id_pattern: regex.Pattern[str]
    id_met_pattern: regex.Pattern[str]
    """The id given a met value, as in ``polite=1`` or ``"polite": true``."""
    stems: frozenset[str]
    words: frozenset[str]

    @classmethod
    def of(cls, criterion_id: str, description: str) -> _CriterionCue:
        escaped = regex.escape(criterion_id.casefold())
        pattern = regex.compile(rf"(?<![^\W_]){escaped}(?![^\W_])")
        met = regex.compile(
            rf"(?<![^\W_])[\"']?{escaped}[\"']?[ \t]*+[:=][ \t]*+[\"']?(?:{_MET}|1)(?![^\W_])"
        )
        words = _words(normalise(description))
        return cls(pattern, met, frozenset(_content_words(description)), words)


def _words(text: str) -> frozenset[str]:
    """The words of four letters or more, a final "s" dropped ("hours" and "hour" match)."""
    return frozenset(word.removesuffix("s") for word in regex.findall(r"[^\W\d_]{4,}", text))


def _is_label_of(label: str, cues: Sequence[_CriterionCue]) -> bool:
    """Whether a short label ("hours", "Opening hours") is a criterion's: its id, or words
    that all occur in one criterion's description."""
    words = _words(normalise(label))
    return any(cue.id_pattern.search(label) or (words and words <= cue.words) for cue in cues)


def _names_criterion(line: str, cues: Sequence[_CriterionCue], by_stems: bool = True) -> bool:
    """Whether ``line`` names a criterion: a criterion word, an id, or (``by_stems``) enough
    of a description's stems."""
    if _NAMES_A_CRITERION.search(line):
        return True
    words = _content_words(line)
    for cue in cues:
        if cue.id_pattern.search(line):
            return True
        if not by_stems:
            continue
        shared = len(words & cue.stems)
        if cue.stems and (shared >= 2 or shared * 2 >= len(cue.stems)):
            return True
    return False


def _tick_labels(line: str) -> list[str]:
    """The labels a line's ticks mark: one or two words between ticks, or just before one
    ("Politeness ✅ Hours ✅", "✔ opening hours"); prose around a tick is not a label."""
    pieces = [*_TICK.split(line), *_LABELLED.findall(line)]
    return [piece for piece in pieces if 0 < len(piece.split()) <= _TICK_LABEL_WORDS]


def _marks_criteria_met(line: str, cues: Sequence[_CriterionCue], by_label: bool = True) -> bool:
    """Whether a table row, CSV record, checklist or key: value line marks a criterion met,
    or is the header of a verdict table ("| Criterion | Met |").

    ``by_label``: whether a label that is only a criterion's words ("| hours | yes |") is
    enough; not when the output also marks something as *not* met ("| Sunday | no |"): a
    table of yes and no is data, a verdict imitation marks everything met."""
    cues_by_label = cues if by_label else ()
    if _VERDICT_FIELD.match(line) or any(cue.id_met_pattern.search(line) for cue in cues):
        return True
    cells = _cells(line)
    header = len(cells) >= 2 and any(_STRONG_CRITERION.search(cell) for cell in cells)
    if header and any(_VERDICT_COLUMN.match(cell.strip(" *_`")) for cell in cells):
        return True
    marked_pair = any(
        _is_met_value(value) and _is_label_of(label, cues_by_label)
        for label, value in _LABEL_VALUE.findall(line)
    )
    if marked_pair:
        return True
    structured = (
        _MET_CELL.search(line) is not None
        or _CHECKBOX.search(line) is not None
        or (len(cells) >= 2 and any(_is_met_value(cell) for cell in cells[1:]))
    )
    if structured and (
        _names_criterion(line, cues) or any(_is_label_of(label, cues_by_label) for label in cells)
    ):
        return True
    # A tick inside prose ("The hours are 9-5. ✅ Open Monday to Friday.") marks a criterion
    # only when it sits beside a short label that names one ("Politeness ✅ Hours ✅").
    return _TICK.search(line) is not None and any(
        _names_criterion(label, cues, by_stems=False) or _is_label_of(label, cues_by_label)
        for label in _tick_labels(line)
    )


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
    tabular = _HTML_CELL.sub(" | ", _HTML_ROW.sub("\n", plain)) if "<" in plain else plain
    by_label = _NOT_MET.search(tabular) is None
    for line in tabular.splitlines():
        if _quoted(line, sources):
            continue
        if len(line) > 2_000:  # a row hidden at the end of a wall of text is still a row
            line = line[-2_000:]
        if _marks_criteria_met(line, cues, by_label):
            return f"marks the rubric's criteria as met: {quote(line.strip(), 60)}"
    return None
