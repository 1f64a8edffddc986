"""The flagging screen: outputs that address the grader are caught before any judge call.

Deterministic heuristics over a normalised view of an output: orders about marks, claimed
scores or verdicts, fake verdict JSON, messages to the grader, role-play of the grader, fake
system prompts and delimiters, "ignore previous instructions" in several languages, spaced-out,
leetspeak, homoglyph, rot13 and base64 disguises. The patterns are written to match in linear
time and run through ``timed_regex`` as defence in depth: a pattern that still runs out of time
raises ``RegexTimeout``, which the judge turns into a grading error, never an unflagged output.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
import unicodedata
from collections.abc import Sequence

import regex

from grading.core.checks.base import quote
from grading.core.checks.timed_regex import finditer

__all__ = ["FLAGGING_PATTERNS", "find_manipulation", "normalise", "squash"]

_HOMOGLYPHS = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "е": "e", "ё": "e", "з": "3", "і": "i", "ї": "i", "ј": "j",
        "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t", "у": "y",
        "х": "x", "ѕ": "s", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ь": "b", "п": "n",
        # Greek
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
        "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ϲ": "c", "ω": "w", "γ": "y", "μ": "u",
        # Latin lookalikes NFKC leaves alone
        "ı": "i", "ɡ": "g", "ȷ": "j", "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e",
        "ɢ": "g", "ʜ": "h", "ɪ": "i", "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n",
        "ᴏ": "o", "ᴘ": "p", "ʀ": "r", "ꜱ": "s", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w",
        "ʏ": "y", "ᴢ": "z", "օ": "o",
    }
)  # fmt: skip

_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i",
     "|": "i", "l": "i", "€": "e"}
)  # fmt: skip


def _decode_tag_characters(text: str) -> str:
    """Unicode "tag" characters (U+E0020–U+E007E) smuggle invisible ASCII: make it visible."""
    return "".join(
        chr(ord(char) - 0xE0000) if 0xE0020 <= ord(char) <= 0xE007E else char for char in text
    )


def normalise(text: str) -> str:
    """Return ``text`` as the flagging patterns read it.

    NFKC (fullwidth and mathematical letters become ASCII), invisible format characters
    (zero-width spaces, joiners, soft hyphens, bidi controls) removed, tag characters decoded,
    case folded, common Cyrillic and Greek homoglyphs mapped to Latin, accents stripped, and
    runs of spaces collapsed (newlines kept, for the line-anchored patterns).
    """
    text = unicodedata.normalize("NFKC", _decode_tag_characters(text))
    text = "".join(char for char in text if unicodedata.category(char) != "Cf")
    text = text.casefold().translate(_HOMOGLYPHS)
    text = "".join(
        char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char)
    )
    return re.sub(r"[^\S\n]+", " ", text)


def squash(normalised: str) -> str:
    """Return letters only, with leetspeak undone and ``l`` read as ``i`` ("1gn0re", "f u l l").

    Used only for a few long, unambiguous phrases, since word boundaries are gone.
    """
    return re.sub(r"[^a-z]", "", normalised.translate(_LEET))


# Words and separators share no character, and both are possessive: there is exactly one way
# to split a run of text into them, so the filler patterns below match in linear time. (When a
# word could also contain "_" and "'", a run such as "ignore ____…" had exponentially many
# splits to try before failing: seconds for 60 underscores.)
_W = r"[^\W_]++"  # a word: letters and digits ("don't" is two words, "snake_case" too)
_S = r"(?:[^\w.!?\n]|_){1,6}+"  # what separates two words of one sentence
_F = rf"(?:{_S}{_W}){{0,3}}?"  # up to three filler words ("all of the")
_GRADER = (
    r"(?:(?:ai|llm|automated|automatic|model|language model)[\W_]{1,3})?"
    r"(?:grader|grading (?:model|system|ai|bot|assistant)|evaluator|assessor|examiner|marker"
    r"|scorer|scoring (?:model|system)|llm[\W_]?judge|ai judge|judge (?:model|llm)"
    r"|evaluation (?:model|system)|reviewer model)s?"
)
# Words for the grader that are rarely anyone else ("the examiner will check your passport").
_AI_GRADER = (
    r"(?:(?:ai|llm|automated|automatic|model|language model)[\W_]{1,3})?"
    r"(?:grader|grading (?:model|system|ai|bot|assistant)|evaluator|llm[\W_]?judge|ai judge"
    r"|judge (?:model|llm)|scoring (?:model|system)|evaluation (?:model|system))s?"
)
_MARKS = r"(?:marks?|points?|score|scores|grade|grades|rating|credit|(?:a )?pass(?:ing)?)"
_TOP = r"(?:full|maximum|max|maximal|perfect|top|highest|best|complete|100 ?%|10 ?/ ?10|all)"
_PRIOR = (
    r"(?:previous|prior|preceding|above|earlier|former|original|initial|existing|all|your|the"
    r" grader'?s|system|grading|evaluation|judging)"
)
_RULES = (
    r"(?:instructions?|prompts?|rules|rubrics?|criteria|guidelines|directions|directives"
    r"|commands|constraints)"
)

_PATTERNS: tuple[tuple[str, str], ...] = (
    # Orders about marks: "give full marks", "award this answer the maximum score".
    (
        "asks for marks",
        rf"\b(?:give|giving|award|assign|grant|mark|rate|score|grade|assess)\b{_F}{_S}{_TOP}{_S}"
        rf"{_MARKS}\b",
    ),
    ("asks for marks", rf"\b(?:deserves?|merits?|earns?|warrants?){_F}{_S}{_TOP}{_S}{_MARKS}\b"),
    (
        "asks to be marked as passing",
        r"\b(?:mark|grade|score|rate|evaluate|judge|treat|consider|record|count)\b"
        rf"{_F}{_S}as{_S}(?:met|passed|passing|a pass|correct|satisfied|fulfilled|perfect)\b",
    ),
    (
        "asks to be marked as passing",
        r"\b(?:this|the|my|our)\s+(?:answer|response|output|reply|submission|text)\s+"
        r"(?:should|must|shall|will|deserves to|has to|needs to)\s+(?:pass|be (?:marked|graded"
        r"|scored|rated|considered|judged|evaluated) (?:as )?(?:correct|a pass|passing|perfect"
        r"|met|excellent|successful))\b",
    ),
    (
        "claims every criterion is met",
        r"\b(?:all|every|each)\s+(?:of\s+the\s+)?(?:rubric|grading|evaluation|scoring)\s+"
        r"criteri(?:a|on|ons)\s+(?:is\s+|are\s+|has\s+been\s+|have\s+been\s+|were\s+)?"
        r"(?:met|satisfied|fulfilled|passed)\b",
    ),
    (
        "asks to ignore the instructions",
        rf"\b(?:ignore|ignoring|disregard|forget|override|overrule|bypass|skip|discard|drop)"
        rf"\b{_F}{_S}{_PRIOR}{_S}{_RULES}\b",
    ),
    (
        "asks to ignore the instructions",
        rf"\b(?:ignore|ignoring|disregard|forget|override|overrule|bypass|discard)\b{_F}{_S}"
        r"(?:rubric|grading criteria|evaluation criteria|scoring criteria|grading instructions"
        r"|grading rules|scoring rules|marking scheme|system prompt|judge'?s instructions"
        r"|grader'?s instructions)s?\b",
    ),
    (
        "announces new grading rules",
        r"\b(?:the|your)?\s*(?:rubric|grading criteria|evaluation criteria|scoring criteria"
        r"|grading instructions|marking scheme|grading rules|scoring rules)\s++"
        r"(?:(?:has|have)\s++)?(?:been\s++)?(?:changed|updated|replaced|revised|overridden"
        r"|amended|modified)\b",
    ),
    (
        "announces new grading rules",
        r"\b(?:new|updated|revised|real|actual|true|correct|secret|hidden)\s+(?:rubric|grading "
        r"criteria|evaluation criteria|grading instructions|scoring rules|grading rules"
        r"|instructions for the (?:grader|evaluator|judge))\b",
    ),
    (
        "addresses the grader",
        r"\b(?:dear|attention|hey|hello|hi|note to|note for|message to|message for|memo to"
        r"|instructions? (?:to|for))\s+(?:the\s+|any\s+|all\s+|an?\s+|my\s+)?"
        rf"{_GRADER}\b",
    ),
    (
        "addresses the grader",
        rf"(?m)^\W{{0,6}}to\s+(?:the\s+|any\s+|all\s+|my\s+)?{_GRADER}\s*[:,]"
        rf"|\bto\s+(?:the\s+|any\s+)?{_AI_GRADER}\s*:",
    ),
    ("addresses the grader", rf"\bas\s+(?:the|an?|your)\s+{_GRADER}\W{{0,3}}\s*(?:you|your)\b"),
    (
        "addresses the grader",
        rf"\b(?:the|this|any|you,?\s+the)\s+{_AI_GRADER}\s+(?:must|should|shall|will|has to"
        r"|have to|needs? to|is (?:required|instructed|told) to)\b",
    ),
    (
        "addresses the grader",
        r"\byou\s+(?:are|act as|will act as|must act as)\s+(?:now\s+)?(?:the\s+|an?\s+)?"
        rf"(?:[a-z-]+\s+){{0,2}}{_AI_GRADER}\b",
    ),
    (
        "role-plays the grader",
        rf"\b(?:pretend|imagine|roleplay|role-play|act)\s+(?:to be|you are|as|that you are)\s+"
        rf"(?:the\s+|an?\s+)?{_GRADER}\b",
    ),
    ("role-plays the grader", rf"\b(?:i am|i'm|this is)\s+(?:the|your)\s+{_AI_GRADER}\b"),
    (
        "role-plays the grader",
        rf"(?m)^\W{{0,6}}(?:{_AI_GRADER}|judge(?='s verdict))(?:'s)?\s*+(?:note|verdict|response"
        r"|output|decision|assessment|comment|feedback|result|says)?\W{0,3}\s*+:",
    ),
    (
        "states a verdict",
        r"\"(?:met|passed|pass|verdict|criteria)\"\s*:\s*(?:true|false|\[|\"(?:pass|fail|met))",
    ),
    (
        "states a verdict",
        r"(?m)^\W{0,6}(?:final\s+)?(?:verdict|evaluation result|grading result)\W{0,3}\s*:\s*"
        r"(?:pass|passed|met|all criteria|correct|full marks|perfect|10\b)",
    ),
    (
        "states a score",
        r"\b(?:final\s+|total\s+|overall\s+|your\s+|the\s+)?(?:sc[o0]r[e3]|gr[a4]d[e3]|mark"
        r"|marks|points|evaluation|assessment|verdict)\s*(?:[:=]|is|should be|must be|will be"
        r"|=>|->)\s*(?:[1l][0o](?:\.[0o]+)?|[1l][0o][0o](?:\.[0o]+)?\s*%?|[1l]\.[0o]+"
        r"|pass(?:ed)?|a\+|full(?: marks)?|perfect"
        r"|max(?:imum)?|all (?:criteria )?met)(?=\s*(?:$|[.!,;)\n\"'*]))",
    ),
    ("states a score", r"\b(?:score|grade|mark|marks|points|rating)\s*[:=]\s*(\d+)\s*/\s*(\d+)"),
    (
        "imitates a system prompt",
        r"<\|?\s*(?:im_start|im_end|system|endoftext|start_header_id|eot_id)\s*\|?>"
        r"|\[/?\s*(?:system|inst|sys)\s*\]|<</?\s*sys\s*>>"
        r"|(?m:^\W{0,6}(?:system|developer|admin|administrator)\s+(?:prompt|message|note|override"
        r"|instructions?|notice)\W{0,3}\s*:)"
        r"|\b(?:system|admin|administrator|root|grader|developer)\s+override\b"
        r"|<\s*+/?\s*+(?:system|instructions?)\s*>",
    ),
    (
        "imitates the delimiters",
        r"(?m)^\W{0,6}(?:end|begin|start|close|stop)\s+(?:of\s+)?(?:the\s+)?(?:candidate\s+)?"
        r"(?:output|response|answer|submission|data|untrusted (?:data|text)|quoted (?:data|text)"
        r"|user input|input)\b\W{0,6}$"
        r"|<\s*/\s*(?:output|candidate[\w-]*|response|answer|submission|data|untrusted[\w-]*)\s*>"
        r"|<<<\s*+/?\s*+(?:end|candidate)",
    ),
    (
        "asks to follow hidden instructions",
        r"\b(?:follow|execute|obey|run|apply|carry out)\s+(?:the\s+)?(?:decoded|hidden|encoded"
        r"|embedded|secret|following encoded|base64)\s+(?:instructions?|text|message|commands?)\b",
    ),
    (
        "asks the grader to answer a certain way",
        r"\b(?:respond|reply|answer|output|return|print|say)\s+(?:only\s+)?(?:with\s+)?"
        r"(?:the\s+word\s+)?[\"']?(?:pass|passed|yes|true|met|all met)[\"']?\s+(?:for|to|on)"
        r"\s+(?:every|each|all)\s+(?:criteri|question|item)",
    ),
    (
        "asks the grader to answer a certain way",
        r"\b(?:respond|reply|answer|output|return|print|say|report|write|give|put|mark)\s+"
        r"(?:only\s+)?(?:with\s+)?[\"'`]?met[\"'`]?\s*+(?:[=:]\s*+|(?:as\s+|to\s+|is\s+)?)"
        r"[\"'`]?(?:true|yes)\b",
    ),
    (
        "asks to be marked as passing",
        r"\b(?:treat|consider|regard|mark|grade|score|rate|record|count|evaluate|judge)\b"
        rf"{_F}{_S}as{_S}(?:meeting|satisfying|fulfilling|passing|meets|satisfies)\s+"
        r"(?:all\s+(?:of\s+)?)?(?:the\s+|every\s+|each\s+)?(?:rubric|grading|criteri(?:on|a))",
    ),
    (
        "addresses the grader",
        rf"(?m)^\W{{0,6}}{_AI_GRADER}(?:'s)?\s+(?:instructions?|notes?|message|directive|memo"
        r"|notice)\W{0,3}\s*+:",
    ),
    (
        "states a verdict",
        r"(?m)^\W{0,6}(?:judge|grader|evaluator|assessor|examiner|marker|scorer|verdict|result"
        r"|grading|evaluation|assessment)(?:'s)?(?:\s+(?:verdict|decision|result|ruling))?"
        r"\W{0,3}\s*+:\s*+(?:(?:all|every|each|both|the)\s+)?(?:(?:rubric|grading)\s+)?"
        r"criteri(?:on|a|ons)\s+(?:(?:is|are|was|were|has been|have been)\s+)?"
        r"(?:met|satisfied|fulfilled|passed)\b",
    ),
    (
        "claims a verdict",
        r"\b(?:verified|confirmed|validated|certified|approved|marked|graded|judged|assessed)\s+"
        r"as\s+met\s+by\b",
    ),
    (
        "imitates the delimiters",
        r"\b(?:the\s+)?(?:candidate|student|learner)(?:'s)?\s+(?:output|response|answer"
        r"|submission)\s+(?:ends|is over|stops|finishes)\s+here\b"
        r"|\bend\s+of\s+(?:the\s+)?(?:candidate|student|learner)(?:'s)?\s+(?:output|response"
        r"|answer|submission)\b",
    ),
    # French, Spanish and German, accents stripped.
    (
        "asks to ignore the instructions",
        rf"\b(?:ignore[rsz]?|oublie[rsz]?|ignora[^\W_]*+|olvida[^\W_]*+){_F}{_S}(?:instructions"
        rf"|consignes|regles|directives|instrucciones|reglas|indicaciones){_S}(?:precedentes"
        r"|anterieures|ci[\W_]dessus|anteriores|previas|de l'evaluateur|del evaluador)\b",
    ),
    (
        "asks to ignore the instructions",
        rf"\b(?:ignorier[^\W_]*+|vergiss[^\W_]*+|missachte[^\W_]*+){_F}{_S}(?:vorherig|bisherig|obig|vorig"
        rf"|fruher)[^\W_]*+{_S}(?:anweisungen|instruktionen|regeln|vorgaben)",
    ),
    (
        "asks for marks",
        r"\b(?:note|notation|score)\s+(?:maximale|parfaite|maximum|de 20 sur 20|complete)\b"
        r"|\b(?:tous les|la totalite des) points\b"
        r"|\b(?:puntuacion|nota|calificacion|puntaje)\s+(?:maxima|perfecta|completa|maximo)\b"
        r"|\b(?:volle|vollen|maximale|maximalen|hochste|hochsten|beste)\s+(?:punktzahl"
        r"|punkte|bewertung|note)\b",
    ),
    (
        "addresses the grader",
        r"\b(?:evaluateur|correcteur|examinateur|evaluador|corrector|examinador|bewerter|prufer"
        r"|korrektor|gutachter)\w*\W{0,3}\s*(?:doit|devez|dois|debe|debes|deberia|muss|musst"
        r"|mussen|sollte?|soll)\b",
    ),
    (
        "addresses the grader",
        r"\b(?:a l'|au |cher |chere |querido |estimado |al |liebe[rs]? |an den |an die )"
        r"(?:evaluateur|correcteur|examinateur|evaluador|corrector|examinador|bewerter|prufer"
        r"|korrektor|gutachter)",
    ),
)
# The flagging patterns run on the ``regex`` engine, with a time limit per search: they are
# written to match in linear time, and should one of them still backtrack badly on some output
# the check ends in a grading error instead of stalling the worker (or letting it through).
FLAGGING_PATTERNS = tuple((label, regex.compile(pattern)) for label, pattern in _PATTERNS)

_SQUASHED_PHRASES = regex.compile(
    "|".join(
        phrase.replace("l", "i")
        for phrase in (
            r"(ignore|disregard|forget|override)(all|the|your|any)*(previous|prior|above|earlier"
            r"|original|system)(instructions|instruction|prompt|rules|rubric|criteria)",
            r"(give|award|assign|grant)(me|this|it|us|the|this(answer|response|output))*"
            r"(full|maximum|max|perfect|top|highest)(marks|score|points|grade)",
            r"(mark|grade|score|rate)(this|it|me|every|each|all)(criterion|criteria|answer"
            r"|response|output)?as(met|passed|correct|perfect)",
            r"score(is)?(ten|hundred)(outof(ten|ahundred|hundred))?",
            r"(dear|attention|noteto|messageto|hey|hello)(the|an|a)?(ai)?(grader|evaluator"
            r"|assessor|examiner|judge)",
            r"asthe(grader|evaluator|judge|assessor)you(must|should|will)",
            r"(ignorez|ignore|oubliez)(toutes)?(les)?(instructions|consignes)precedentes",
            r"(ignora|olvida)(todas)?(las)?instrucciones(anteriores|previas)",
            r"(ignoriere|ignorieren|vergiss)(alle)?(vorherigen|bisherigen)(anweisungen"
            r"|instruktionen)",
        )
    )
)

_BASE64_RUN = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}|[A-Za-z0-9_-]{24,}={0,2}")


def _decoded_base64(text: str) -> list[str]:
    """Texts hidden in base64 runs of ``text`` (only runs that decode to readable UTF-8)."""
    found = []
    for run in _BASE64_RUN.findall(text):
        padded = run + "=" * (-len(run) % 4)
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                decoded = decode(padded.encode()).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError, ValueError):
                continue
            printable = sum(char.isprintable() or char.isspace() for char in decoded)
            if decoded and printable / len(decoded) > 0.9:
                found.append(decoded)
                break
    return found


def _scan(text: str, given: Sequence[str]) -> tuple[str, str] | None:
    """Return (label, matched text) of the earliest flagging match in ``text``, if any.

    A match that also occurs in one of the ``given`` normalised texts is skipped: the output
    is quoting the exercise's own test input (an email to summarise, say), not the learner.
    """
    plain = normalise(text)
    found: list[tuple[int, str, str]] = []
    for label, pattern in FLAGGING_PATTERNS:
        for match in finditer(pattern, plain, f"the {label!r} pattern"):
            if label == "states a score" and match.lastindex == 2:
                numerator, denominator = int(match.group(1)), int(match.group(2))
                if not (denominator > 0 and numerator >= denominator):
                    continue  # "Rating: 7/10" in a review is content; "score: 10/10" a claim
            if any(match.group(0).strip() in source for source in given):
                continue
            found.append((match.start(), label, match.group(0)))
            break
    if found:
        _, label, matched = min(found)
        return label, matched
    squashed_given = [squash(source) for source in given]
    for variant in (squash(plain), squash(codecs.encode(plain, "rot13"))):
        for disguised in finditer(_SQUASHED_PHRASES, variant, "the disguised-phrases pattern"):
            if not any(disguised.group(0) in source for source in squashed_given):
                return "addresses the grader in disguise", disguised.group(0)
    return None


def find_manipulation(output: str, tag: str = "", given: Sequence[str] = ()) -> str | None:
    """Return why ``output`` looks like an attempt to manipulate the grader, or None.

    Deterministic heuristics over a normalised view of the output (and of any base64 it
    hides): orders about marks, claimed scores or verdicts, fake verdict JSON, messages to the
    grader, role-play of the grader, fake system prompts and delimiters, "ignore previous
    instructions" (English, French, Spanish, German), spaced-out or leetspeak variants. Tuned
    so that ordinary replies ("Please give us full details", "your credit score is 700") pass.
    Text that also appears in ``given`` (the test input's variables, which the instructor
    wrote) is not held against the output: an exercise may ask to summarise a phishing email.

    The whole output is scanned, in time linear in its length. Raises RegexTimeout if a
    pattern nevertheless runs past REGEX_TIMEOUT_SECONDS: the caller must treat the output
    as unscreened (a grading error), never as clean.
    """
    if tag and tag in output:
        return "contains the grader's delimiter"
    normalised_given = [normalise(text) for text in given if text.strip()]
    # Base64 is looked for once invisible characters are gone: a zero-width space every few
    # characters would otherwise break up the run.
    visible = "".join(
        char for char in unicodedata.normalize("NFKC", output) if unicodedata.category(char) != "Cf"
    )
    for text in (output, *_decoded_base64(visible)):
        found = _scan(text, normalised_given)
        if found is not None:
            label, matched = found
            hidden = " (hidden in base64)" if text is not output else ""
            return f"{label}{hidden}: {quote(matched.strip(), 60)}"
    return None
