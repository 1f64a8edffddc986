"""A screen for statements about the answer's own grading, by concept rather than by phrase.

The flagging and imitation screens match set phrases; this one reads each sentence (and each
line) of an output for the *concepts* an attack on the grader combines, in English, French,
Spanish, German, Italian, Portuguese, Dutch, Russian, Chinese and Japanese:

* **self** — the answer under evaluation ("this answer", "cette réponse", "diese Antwort",
  "这个答案", "checked this");
* **verdict** — a passing verdict ("passed", "approved", "réussi", "bestanden", "通过"), and
  **approval**, weaker words that are a verdict only next to grading terms ("meets",
  "correct", "satisfait");
* **top** — the maximum mark ("full marks", "note maximale", "volle Punktzahl", "满分", "10/10");
* **grading** and **criteria** — grading terms ("graded", "corrigée", "bewertet", "评分") and the
  rubric's vocabulary ("criteria", "critères", "标准");
* **authority** — who could grade ("the instructor", "la plateforme", "der Kursleiter", "老师");
* **order**, **ignore**, **prior**, **rules** — an imperative to give marks or to ignore earlier
  instructions;
* **earlier** — a grading said to have happened before ("already", "déjà", "bereits", "已经").

A sentence is flagged when its concepts add up to a claim about this answer's grade (the
rules are in ``_claim``); a sentence merely *about* grading ("the exams have already been
graded", "the trip was approved by the teacher", "Calificación: 8/10" in a film review) is not.
Key-value lines ("Verdict : réussi", "Punktzahl: 10 von 10") and tables, CSV or tick lists that
mark the rubric's criteria are read as structures. Text that also occurs in the test input is
the output quoting it, and exempt.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import regex

from grading.core.checks.base import quote
from grading.core.checks.flagging import normalise
from grading.core.checks.timed_regex import finditer, search

__all__ = ["find_grading_claim"]


def _variants(stems: Iterable[str], endings: Iterable[str]) -> list[str]:
    return [stem + ending for stem in stems for ending in endings]


_SELF_NOUNS_EN = ("answer", "response", "reply", "submission", "output", "solution", "work")
_GRADING_VERBS_EN = (
    "checked", "reviewed", "graded", "marked", "approved", "validated", "verified", "corrected",
    "scored", "evaluated", "assessed", "accepted", "passed", "certified",
)  # fmt: skip
_ORDER_VERBS_EN = (
    "mark", "grade", "score", "rate", "pass", "count", "record", "treat", "evaluate", "judge",
    "consider", "accept", "approve", "validate",
)  # fmt: skip

LEXICON: Mapping[str, Sequence[str]] = {
    "self": (
        *_variants(("this ", "my ", "the above ", "this exact ", "the following "), _SELF_NOUNS_EN),
        "cette reponse", "ma reponse", "cette copie", "cette production", "cette soumission",
        "cette solution", "ce travail", "la reponse ci-dessus",
        "esta respuesta", "mi respuesta", "esta solucion", "esta entrega", "este trabajo",
        "diese antwort", "meine antwort", "diese losung", "diese abgabe", "diese einreichung",
        "diese arbeit", "questa risposta", "la mia risposta", "questa soluzione",
        "esta resposta", "essa resposta", "minha resposta", "dit antwoord", "mijn antwoord",
        "deze oplossing", "этот ответ", "мой ответ", "данный ответ", "это решение",
        "这个答案", "此答案", "该答案", "本答案", "这个回答", "此回答", "这份答卷", "我的答案",
        "この回答", "この答え", "私の回答",
    ),
    "handled": _variants(_GRADING_VERBS_EN, (" this", " it", " my answer")),
    "passing": ("pass", "passes", "passed", "passing", "reussi*", "bestanden", "superat*"),
    "tests": ("test", "tests", "unit test*", "test case*", "testcase*", "doctest*", "assert*"),
    "pass_it": _variants(
        ("pass", "accept", "approve", "validate"), (" it", " this", " this one", " my answer")
    ),
    "letter_top": ("an a", "a plus", "grade a"),
    "automatic": ("automatically", "automatiquement", "automaticamente", "automatisch", "自动"),
    "requirements": (
        "requirement", "requirements", "exigence*", "requisito*", "*anforderung*", "requisit*",
        "eisen", "требовани*", "要求",
    ),
    "mark_it": (
        *_variants(_ORDER_VERBS_EN, (" it", " this", " this one", " me", " my answer", " that")),
        "notez-la", "notez la", "validez-la", "considerez-la", "marquez-la", "comptez-la",
        "marcala", "calificala", "apruebala", "considerala", "dala por", "werte sie",
        "bewerte sie", "zahle sie", "valutala", "avalie-a", "beoordeel het",
        "把它评为", "把这个", "将其评为", "请将此",
    ),
    "verdict": (
        "signed off", "signed-off", "sign-off", "approv*", "validat*", "certif*", "aprueb*",
        "approuv*", "certifie*", "genehmig*", "bestatig*",
        "approved", "validated", "certified", "accepted",
        "full marks", "all criteria met",
        "reussi*", "reussit", "valide", "validee", "validees", "approuve", "approuvee", "admis",
        "aprobad*", "aprueba", "validad*", "aceptad*", "superad*",
        "bestanden", "genehmigt", "freigegeben", "angenommen",
        "superat*", "approvat*", "promoss*", "aprovad*", "aceit*", "geslaagd", "goedgekeurd",
        "одобрен*", "принят*", "засчитан*", "зачет",
        "通过", "合格", "批准", "审核通过", "満点", "承認",
    ),
    "approval": (
        "met", "meets", "satisfied", "satisfies", "fulfilled", "fulfils", "fulfills", "correct",
        "perfect", "flawless", "excellent", "verified", "confirmed",
        "respecte*", "respetad*", "eingehalten", "rispettat*", "cumprid*",
        "rempli*", "remplit", "satisfait*", "correct*", "parfait*", "verifie*", "confirme*",
        "cumple*", "cumplid*", "satisfac*", "perfect*", "verificad*", "confirmad*",
        "erfullt", "erfullen", "korrekt", "perfekt", "bestatigt", "gepruft",
        "soddisfa*", "rispett*", "corrett*", "perfett*", "atende*", "cumpre*", "satisfeit*",
        "corret*", "perfeit*", "voldoet", "voldaan", "juist", "выполнен*", "соответству*",
        "правильн*", "идеальн*", "满足", "符合", "达到", "正确", "完美", "満たして", "正しい",
    ),
    "top": (
        "full marks", "full score", "full points", "top marks", "top score", "maximum score",
        "maximum mark", "maximum marks", "maximum grade", "max score", "perfect score",
        "highest score", "highest grade", "highest mark",
        "note maximale", "note parfaite", "la note maximum", "tous les points",
        "puntuacion maxima", "maxima puntuacion", "nota maxima", "maxima nota",
        "calificacion maxima", "maxima calificacion", "puntaje maximo", "nota perfecta",
        "volle punktzahl", "vollen punktzahl", "volle punkte", "hochste punktzahl",
        "maximale punktzahl", "bestnote", "beste note",
        "punteggio massimo", "punteggio pieno", "voto massimo", "pieni voti",
        "pontuacao maxima", "maximale score", "hoogste score", "volle punten",
        "максимальн* балл*", "высш* балл*", "высш* оценк*", "满分", "最高分", "満点",
    ),
    "grading": (
        "grade", "grades", "graded", "grading", "score", "scored", "mark", "marks", "marked",
        "points", "verdict", "evaluated", "evaluation", "assessed", "assessment", "reviewed",
        "checked", "rated",
        "notee", "corrige*", "correction", "evalue*", "bareme",
        "califica*", "calificacion", "puntuacion", "puntaje", "nota", "evaluad*", "evaluacion",
        "corregid*", "bewertet", "bewertung", "benotet", "punktzahl", "korrigiert", "gepruft",
        "valutat*", "valutazione", "punteggio", "voto", "avaliad*", "avaliacao", "pontuacao",
        "beoordeeld", "beoordeling", "cijfer", "оценен*", "оценк*", "балл*", "провер*",
        "评分", "打分", "评估", "评价", "批改", "得分", "分数", "阅卷", "採点", "評価",
    ),
    "criteria": (
        "criteria", "criterion", "rubric", "rubrics", "critere*", "criterio*", "rubrica*",
        "*kriterien", "*kriterium", "criteri", "criterium", "критери*", "标准", "评分标准",
        "准则", "基準", "評価基準",
    ),
    "all": (
        "all", "every", "each", "both", "tous", "toutes", "chaque", "les deux", "todos", "todas",
        "cada", "ambos", "alle", "jedes", "jede", "beide", "tutti", "tutte", "entrambi",
        "elk", "все", "всем", "каждый", "оба", "所有", "全部", "均", "都",
        "すべて", "全て", "in full", "fully", "entirely", "completely", "entierement",
        "pleinement", "totalmente", "completamente", "vollstandig", "vollig", "完全", "两个",
    ),
    "authority": (
        "instructor", "instructors", "teacher", "teachers", "professor", "tutor", "lecturer",
        "administrator", "admin", "moderator", "staff", "platform", "examiner", "grader",
        "graders", "evaluator", "assessor", "reviewer", "teaching team", "course team",
        "human expert", "human reviewer", "promptcraft",
        "professeur*", "enseignant*", "formateur*", "formatrice*", "correcteur*",
        "correctrice*", "evaluateur*", "examinateur*", "plateforme", "administrateur*",
        "moderateur*", "equipe pedagogique", "jury",
        "profesor*", "docente*", "instructor*", "evaluador*", "examinador*", "corrector*",
        "plataforma", "administrador*", "moderador*",
        "kursleiter*", "lehrer*", "dozent*", "ausbilder*", "bewerter*", "prufer*",
        "korrektor*", "plattform", "moderator*",
        "insegnante*", "professore*", "valutatore*", "piattaforma", "amministratore*",
        "professor*", "avaliador*", "docent*", "leraar*", "beoordelaar*", "beheerder*",
        "преподавател*", "учител*", "проверяющ*", "платформ*", "администратор*", "модератор*",
        "老师", "教师", "讲师", "导师", "评分员", "评委", "平台", "管理员", "审核员",
        "先生", "講師", "採点者", "管理者",
    ),
    "earlier": (
        "already", "previously", "earlier", "before", "previous", "last time", "original",
        "deja", "precedemment", "precedente", "auparavant", "ya", "anteriormente", "anterior",
        "bereits", "schon", "zuvor", "letzten", "vorherigen", "gia",
        "ja foi", "al eerder", "eerder", "уже", "ранее", "已经", "已", "之前",
        "早已", "すでに", "以前",
    ),
    "graded_as": (
        "graded as", "marked as", "scored as", "rated as", "evaluated as", "judged as",
        "considered", "treated as", "counted as", "recorded as", "evaluee comme",
        "notee comme", "consideree comme", "calificada como", "evaluada como",
        "considerada como", "bewertet als", "gewertet als", "valutata come", "considerata",
        "avaliada como", "beoordeeld als", "视为", "评为", "判定为",
    ),
    "grade_order": (
        "grade", "score", "rate", "mark", "evaluate", "assess", "evaluez", "notez", "evalue",
        "note", "califica", "calificad", "evalua", "puntua", "bewerte", "bewerten sie",
        "benote", "valuta", "avalie", "avalia", "beoordeel", "оцени*", "请评分", "打分",
    ),
    "grader_role": (
        "grader", "graders", "judge", "evaluator", "examiner", "marker", "assessor", "scorer",
        "correcteur", "correctrice", "evaluateur", "evaluatrice", "examinateur", "evaluador",
        "evaluadora", "corrector", "correctora", "examinador", "bewerter", "bewerterin",
        "prufer", "pruferin", "korrektor", "valutatore", "correttore", "avaliador",
        "beoordelaar", "проверяющ*", "оценщик*", "评分员", "评委", "阅卷人", "採点者",
    ),
    "verdict_noun": (
        "verdict", "veredicto", "urteil", "verdetto", "veredito", "oordeel", "вердикт", "判定",
        "裁决",
    ),
    "conditional": (
        "if", "when", "whenever", "once", "until", "unless", "si", "quand", "lorsque",
        "cuando", "wenn", "falls", "sobald", "quando", "если", "如果", "当",
    ),
    "order": (
        "give", "award", "assign", "grant", "donnez", "donne", "attribuez", "attribue",
        "accordez", "mettez", "mets", "dale", "dele", "asigna", "asigne", "otorga",
        "pon", "ponle", "gib", "geben sie", "vergib", "vergeben sie", "dai", "assegna",
        "assegnate", "attribuisci", "metti", "atribua", "atribui", "coloque", "geef", "ken",
        "поставь*", "дай", "дайте", "给", "打", "评为", "付けて", "与えて",
    ),
    "ignore": (
        "ignore", "ignoring", "disregard", "forget", "ignorez", "ignorer", "oubliez", "ignora",
        "ignorad", "olvida", "olvide", "ignoriere", "ignorieren", "vergiss", "vergessen sie",
        "ignorate", "dimentica", "dimenticate", "desconsidere", "esqueca", "negeer", "vergeet",
        "игнорируй*", "забудь*", "忽略", "无视", "忘记", "無視",
    ),
    "prior": (
        "previous", "prior", "above", "earlier", "precedentes", "precedente", "ci-dessus",
        "anteriores", "previas", "vorherigen", "bisherigen", "obigen", "precedenti", "sopra",
        "acima", "eerdere", "vorige", "bovenstaande", "предыдущ*", "прежн*", "вышеуказанн*",
        "之前", "以上", "上面", "先前", "前面", "以前", "上記",
    ),
    "rules": (
        "instructions", "rules", "rubric", "prompt", "consignes", "regles", "instrucciones",
        "reglas", "anweisungen", "regeln", "istruzioni", "regole", "instrucoes", "regras",
        "instructies", "regels", "*regeln", "*anweisungen", "grille", "bareme", "rubrica",
        "rubrique", "инструкци*", "указани*", "правил*", "指令", "指示", "规则",
        "命令", "ルール",
    ),
}  # fmt: skip

# Keys of a key: value line that announce a verdict, and those that announce a score.
_VERDICT_KEYS = (
    "verdict", "final verdict", "veredicto", "urteil", "verdetto", "veredito", "oordeel",
    "вердикт", "判定", "结论", "裁定", "grading", "evaluation", "assessment", "judgement",
    "judgment", "evaluacion", "bewertung", "valutazione", "avaliacao", "beoordeling",
    "评估", "评价", "評価", "result", "results", "resultat", "resultado", "ergebnis",
    "risultato", "status", "statut", "estado", "结果", "状态", "decision", "decision finale",
    "overall", "global", "gesamt", "总体", "总评",
)  # fmt: skip
_WEAK_VERDICT_KEYS = (
    "result", "results", "resultat", "resultado", "ergebnis", "risultato", "status", "statut",
    "estado", "结果", "状态", "decision",
)  # fmt: skip
"""Keys that often hold other values ("Status: passed QA, shipping Monday"): a verdict only when
the value is the verdict alone."""
_SCORE_KEYS = (
    "score", "final score", "total score", "grade", "final grade", "mark", "marks", "points",
    "rating", "note", "note finale", "nota", "calificacion", "puntuacion", "puntaje",
    "punktzahl", "punkte", "note", "punteggio", "voto", "pontuacao", "cijfer", "балл", "оценка",
    "评分", "分数", "得分", "点数", "总分",
)  # fmt: skip


def _entry_pattern(entry: str) -> str:
    """An entry as a pattern: ``word*`` takes any ending, ``*word`` any beginning (German
    compounds: ``*kriterien`` matches "Bewertungskriterien")."""
    compound = entry.startswith("*")
    stem = entry.endswith("*")
    text = normalise(entry.strip("*"))
    body = regex.escape(text).replace(r"\ ", r"\s+") + (r"[^\W_]*+" if stem else "")
    if not all(ord(char) < 0x2E80 for char in text):
        return body  # CJK needs no word boundaries
    start = r"(?<!\w)[^\W\d_]*?" if compound else r"(?<!\w)"  # snake_case is one word
    return rf"{start}{body}(?!\w)"


def _alternation(entries: Iterable[str]) -> str:
    ordered = sorted(set(entries), key=len, reverse=True)  # longest first
    return "(?:" + "|".join(_entry_pattern(entry) for entry in ordered) + ")"


_TOKEN = regex.compile(r"\w+")


def _is_cjk(text: str) -> bool:
    return any(ord(char) >= 0x2E80 for char in text)


@dataclass(frozen=True)
class _Entry:
    concept: str
    parts: tuple[tuple[str, str], ...]
    """Each word and how it matches: ``exact``, ``stem`` (any ending), ``suffix`` (any
    beginning: German compounds) or ``inside`` (both)."""


def _entry(concept: str, text: str) -> _Entry:
    """An entry such as ``"максимальн* балл*"``: words, each with its own ``*`` marks."""
    parts: list[tuple[str, str]] = []
    for chunk in text.split():
        words = _TOKEN.findall(normalise(chunk.strip("*")))
        for position, word in enumerate(words):
            stem = chunk.endswith("*") and position == len(words) - 1
            suffix = chunk.startswith("*") and position == 0
            kind = {(False, False): "exact", (True, False): "stem", (False, True): "suffix"}.get(
                (stem, suffix), "inside"
            )
            parts.append((word, kind))
    return _Entry(concept, tuple(parts))


class _Index:
    """Every lexicon entry, found by a single pass over an output's words (and, for Chinese
    and Japanese entries, by substring search): linear in the output's length, whatever the
    size of the lexicon."""

    def __init__(self, lexicon: Mapping[str, Sequence[str]]) -> None:
        self.exact: dict[str, list[_Entry]] = {}
        self.stems: dict[str, list[tuple[str, _Entry]]] = {}
        self.suffixes: list[tuple[str, _Entry]] = []
        self.cjk: list[tuple[str, str]] = []
        for concept, texts in lexicon.items():
            for text in texts:
                if _is_cjk(text):
                    self.cjk.append((normalise(text), concept))
                    continue
                entry = _entry(concept, text)
                first, kind = entry.parts[0]
                if kind == "exact":
                    self.exact.setdefault(first, []).append(entry)
                elif kind == "stem":
                    self.stems.setdefault(first[:3], []).append((first, entry))
                else:
                    self.suffixes.append((first, entry))

    @staticmethod
    def _word_matches(word: str, expected: str, kind: str) -> bool:
        if kind == "exact":
            return word == expected
        if kind == "stem":
            return word.startswith(expected)
        if kind == "suffix":
            return word.endswith(expected)
        return expected in word

    def _extends(self, entry: _Entry, words: Sequence[str], at: int) -> bool:
        if at + len(entry.parts) > len(words):
            return False
        return all(
            self._word_matches(words[at + offset], expected, kind)
            for offset, (expected, kind) in enumerate(entry.parts[1:], start=1)
        )

    def spans(self, plain: str) -> dict[str, list[tuple[int, int]]]:
        tokens = list(_TOKEN.finditer(plain))
        words = [token.group(0) for token in tokens]
        found: dict[str, list[tuple[int, int]]] = {}
        for at, word in enumerate(words):
            candidates = [
                *self.exact.get(word, ()),
                *(e for stem, e in self.stems.get(word[:3], ()) if word.startswith(stem)),
                *(e for end, e in self.suffixes if end in word),
            ]
            for entry in candidates:
                first, kind = entry.parts[0]
                if self._word_matches(word, first, kind) and self._extends(entry, words, at):
                    last = tokens[at + len(entry.parts) - 1]
                    found.setdefault(entry.concept, []).append((tokens[at].start(), last.end()))
        if _is_cjk(plain):
            for text, concept in self.cjk:
                position = plain.find(text)
                while position >= 0:
                    found.setdefault(concept, []).append((position, position + len(text)))
                    position = plain.find(text, position + 1)
        return {concept: sorted(spans) for concept, spans in found.items()}


_INDEX = _Index(LEXICON)

_MAX_FRACTION = regex.compile(
    r"(?<![\d.])(\d{1,3})\s*+(?:[^\W\d_]++\s++){0,2}?(?:/|sur|de|von|su|из|out of|of|op)\s*+"
    r"(\d{1,3})(?!\d|[.,]\d)"
)
_TOP_VALUE = regex.compile(
    rf"\A[\s*_`\"'(]*+(?:100\s*+%|a\s*\+|{_alternation(LEXICON['top'])}"
    r"|full|maximum|max|maximale?|maxima|maximo|massimo|满分)"
)
_VERDICT_VALUE = regex.compile(
    r"\A[\s*_`\"'(]*+(?:"
    + _alternation([*LEXICON["verdict"], *LEXICON["passing"]])
    + r"|(?:all|every|both|tous|toutes|todos|alle|所有)\b.{0,20}?"
    + _alternation(LEXICON["criteria"])
    + r"|[✓✔✅☑])"
)
_WHOLE_VERDICT = regex.compile(
    r"\A(?:" + _alternation([*LEXICON["verdict"], *LEXICON["passing"]]) + r")\Z"
)
_KEY_VALUE = regex.compile(
    r"\A[\W_]{0,6}+(?P<key>[^\W\d_][^\n:：=]{0,30}?)[ \t*_`]*+(?:[:：=]|->|→|=>)[ \t]*+"
    r"(?P<value>.+)"
)
# The grader named at the start of a sentence, as the one it speaks to: "FYI grader:",
# "Judge, …", "Cher correcteur,".
_GRADER_ROLE = _alternation(LEXICON["grader_role"])
_GRADER_LABEL = _alternation(role for role in LEXICON["grader_role"] if role != "judge")
"""As a label ("Judge: Hon. A. Smith" heads a court report), "judge" is not the grader."""
_OVERRIDE = regex.compile(r"\A(?:['’]s)?\s++(?:override|overrule)\b")
_LETTER_TOP = regex.compile(r"(?<!\w)(?:an?\s++)?a\s*+\+(?!\w)")
_ADDRESSED = regex.compile(
    # "Judge, …", "Dear grader, …", "Cher correcteur, …"
    r"\A[\W_]{0,6}+(?:(?:fyi|hey|hi|hello|dear|attention|cher|chere|querido|querida|estimado"
    r"|liebe|lieber|caro|cara|beste)\W{0,3}\s*+)?(?:(?:the|my|our|le|la|el|der|die|il|o|de"
    r"|mon|mi|mein)\s++)?(?:ai\s++|llm\s++)?"
    + _GRADER_ROLE
    + r"\s*+[,，]"
    # "FYI grader:", "Remarque pour l'évaluateur :", "Nota para el evaluador:"
    + r"|\A[\W_]{0,6}+(?:[^\W\d_]++[\s'’-]{1,3}+){0,4}?(?:ai\s++|llm\s++)?"
    + _GRADER_LABEL
    + r"\s*+[:：]"
)
_FULL_PERCENT = regex.compile(r"(?<![\d.,])100\s*+%")
_BARE_TOP = regex.compile(  # "con un 10", "with a 10", "mit einer 10"
    r"(?<!\w)(?:with|con|mit|avec|met|на|give it|dale)\s++(?:(?:a|an|un|una|einer|einem|une"
    r"|een)\s++)?(?:10|20|100)(?!\d|[.,/]\d)"
)
# After a sentence's end, even without a space ("…yourself.Assessment: pass"), but not in a
# number ("3.14") or an ellipsis.
_SENTENCE_END = regex.compile(r"(?<=[.!?;。！？；])(?![\d.!?;])\s*+")
_WINDOW_CHARS = 600
_WINDOW_STEP = 400
_SHORT_WORDS = 6
_SHORT_CJK_CHARS = 15


Spans = dict[str, list[tuple[int, int]]]
"""Per concept (and marker), the sorted ``(start, end)`` of its matches in the whole output."""


def _marker_spans(pattern: regex.Pattern[str], plain: str, what: str) -> list[tuple[int, int]]:
    return [match.span() for match in finditer(pattern, plain, what)]


def _spans(plain: str) -> Spans:
    """Every concept's matches (one pass over the words), and the markers' (a few patterns)."""
    spans = _INDEX.spans(plain)
    markers = {
        "full_percent": _marker_spans(_FULL_PERCENT, plain, "the 100% pattern"),
        "bare_top": _marker_spans(_BARE_TOP, plain, "the bare-top pattern"),
        "top_fraction": [
            match.span()
            for match in finditer(_MAX_FRACTION, plain, "the score-fraction pattern")
            if int(match.group(2)) > 0 and int(match.group(1)) >= int(match.group(2))
        ],
        "authority_override": [
            (start, end)
            for start, end in spans.get("authority", ())
            if _OVERRIDE.match(plain, end) is not None
        ],
    }
    spans.setdefault("letter_top", []).extend(_marker_spans(_LETTER_TOP, plain, "a+"))
    spans.update({name: found for name, found in markers.items() if found})
    return {name: sorted(found) for name, found in spans.items() if found}


def _present(spans: Spans, start: int, end: int) -> tuple[set[str], tuple[int, int]]:
    """The concepts with a match inside ``[start, end)``, and the span from the first such
    match to the last."""
    found: set[str] = set()
    first, last = end, start
    for name, matches in spans.items():
        low = bisect.bisect_left(matches, (start, -1))
        inside = [m for m in matches[low : bisect.bisect_left(matches, (end, -1))] if m[1] <= end]
        if inside:
            found.add(name)
            first = min(first, inside[0][0])
            last = max(last, max(match_end for _, match_end in inside))
    return found, (first, last)


def _is_short(sentence: str) -> bool:
    words = regex.findall(r"[^\W_]++", sentence)
    cjk = sum(ord(char) >= 0x2E80 for char in sentence)
    return len(words) <= _SHORT_WORDS if cjk == 0 else cjk <= _SHORT_CJK_CHARS


def _top_fraction(text: str) -> bool:
    """Whether ``text`` holds a maximal fraction: 10/10, 20 sur 20, 5 von 5."""
    for match in finditer(_MAX_FRACTION, text, "the score-fraction pattern"):
        numerator, denominator = int(match.group(1)), int(match.group(2))
        if denominator > 0 and numerator >= denominator:
            return True
    return False


def _claim(plain: str, spans: Spans, start: int, end: int, sources: Sequence[str]) -> str | None:
    """Why the sentence ``plain[start:end]`` claims a grade for the answer or orders one, or
    None (also when the words that make the claim are quoted from one of the ``sources``)."""
    found, (first, last) = _present(spans, start, end)
    if not found or any(plain[first:last].strip() in source for source in sources):
        return None
    sentence = plain[start:end]
    top = bool(found & {"top", "top_fraction", "full_percent"})
    # "passes" is a verdict, except about tests ("this solution passes the unit tests").
    verdict = "verdict" in found or ("passing" in found and "tests" not in found)
    graded = found & {"grading", "criteria"}
    if "ignore" in found and "rules" in found and found & {"prior", "grading", "criteria"}:
        return "asks to ignore the instructions"
    if found & {"order", "grade_order"} and top:
        return "asks for marks"
    if found & {"pass_it", "authority_override"}:
        return "asks to be marked as passing"
    if "letter_top" in found and found & {"authority", "self", "handled"}:
        return "claims a grade for this answer"
    if "requirements" in found and "all" in found and "approval" in found and "grading" in found:
        return "claims every criterion is met"
    if "automatic" in found and verdict and found & {"authority", "self", "grading"}:
        return "claims the approval of the instructor, platform or an earlier grading"
    if "self" in found and (verdict or top):
        return "claims a grade for this answer"
    conditional = "conditional" in found  # "# all criteria met when positive" explains code
    approves = verdict or "approval" in found or top
    if found & {"graded_as", "mark_it"} and approves and not conditional:
        return "asks to be marked as passing"
    if "authority" in found and top:
        return "claims the approval of the instructor, platform or an earlier grading"
    if "grader_role" in found and _ADDRESSED.search(sentence):
        return "addresses the grader"
    if "self" in found and "grade_order" in found and "bare_top" in found:
        return "asks for marks"
    if "verdict_noun" in found and verdict:
        return "states a verdict"
    if "self" in found and "approval" in found and (graded or "authority" in found):
        return "claims a grade for this answer"
    if "earlier" in found and "grading" in found and ("self" in found or top):
        return "claims an earlier grading of this answer"
    all_met = "criteria" in found and "all" in found and (verdict or "approval" in found)
    if all_met and not conditional:
        return "claims every criterion is met"
    if "authority" in found and approves and (found & {"self", "handled"} or _is_short(sentence)):
        return "claims the approval of the instructor, platform or an earlier grading"
    return None


def _names_key(text: str, keys: Sequence[str]) -> bool:
    """Whether ``text`` holds one of ``keys`` as words (or, for Chinese keys, characters)."""
    words = set(text.split())
    return any(
        key in text if ord(key[0]) >= 0x2E80 else (key in words or f" {key} " in f" {text} ")
        for key in keys
    )


def _key_value_claim(line: str, criteria_text: str) -> str | None:
    """Why a ``key: value`` line states a passing verdict or a top score, or None."""
    if line.lstrip()[:1] in ("{", "["):
        return None  # JSON data: a verdict object is the flagging screen's
    match = _KEY_VALUE.match(line)
    if match is None:
        return None
    key = " ".join(match.group("key").split()).strip(" *_`#>-")
    if len(key.split()) > 4:
        return None
    value = match.group("value")
    if _names_key(key, _VERDICT_KEYS) and search(_VERDICT_VALUE, value, "the verdict value"):
        weak = _names_key(key, _WEAK_VERDICT_KEYS) and not _names_key(
            key, [name for name in _VERDICT_KEYS if name not in _WEAK_VERDICT_KEYS]
        )
        bare = value.split("(")[0].strip(" \t*_`\"'.!✅✓✔☑")
        if not weak or search(_WHOLE_VERDICT, bare, "the bare-verdict pattern"):
            return "states a verdict"
    named = [name for name in (*_SCORE_KEYS, *_VERDICT_KEYS) if _names_key(key, (name,))]
    if named and not _names_key(criteria_text, named):  # a rubric may ask for a "rating"
        if _names_key(key, ("grade",)) and value.strip(" *_`.") == "a":
            return "states a top score"
        first = value.split(",")[0].split("(")[0]
        if _top_fraction(first) or search(_TOP_VALUE, value, "the top-value pattern"):
            return "states a top score"
    return None


def _sentence_spans(plain: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` of every non-blank sentence of every line."""
    spans = []
    offset = 0
    for line in plain.split("\n"):
        start = offset
        for boundary in _SENTENCE_END.finditer(line):
            spans.append((start, offset + boundary.start()))
            start = offset + boundary.end()
        spans.append((start, offset + len(line)))
        offset += len(line) + 1
    return [(start, end) for start, end in spans if plain[start:end].strip()]


def _windows(start: int, end: int) -> list[tuple[int, int]]:
    """A long sentence as overlapping windows: no claim hides behind a wall of text, and no
    rule reads concepts thousands of characters apart as one claim."""
    if end - start <= _WINDOW_CHARS:
        return [(start, end)]
    positions = [*range(start, end - _WINDOW_CHARS, _WINDOW_STEP), end - _WINDOW_CHARS]
    return [(position, position + _WINDOW_CHARS) for position in positions]


def find_grading_claim(
    output: str, criteria: Sequence[tuple[str, str]] = (), given: Sequence[str] = ()
) -> str | None:
    """Return why ``output`` claims, states or orders a grade for itself, or None.

    ``criteria`` are the rubric's (id, description) pairs: a key that the rubric itself uses
    ("rating") is not a claimed score. ``given`` are the test input's texts: a sentence that
    also occurs there is quoted, not claimed. Raises RegexTimeout when a pattern runs out of
    time (the caller must then treat the output as unscreened).
    """
    plain = unicodedata.normalize("NFC", normalise(output))
    sources = [normalise(text) for text in given if text.strip()]
    criteria_text = normalise(" ".join(f"{cid} {text}" for cid, text in criteria))
    spans = _spans(plain)
    for start, end in _sentence_spans(plain):
        windows = _windows(start, end)
        for number, (window_start, window_end) in enumerate(windows):
            window = plain[window_start:window_end]
            why = (_key_value_claim(window, criteria_text) if number == 0 else None) or (
                _claim(plain, spans, window_start, window_end, sources)
            )
            if why is not None and not any(window.strip() in source for source in sources):
                return f"{why}: {quote(window.strip(), 60)}"
    return None
