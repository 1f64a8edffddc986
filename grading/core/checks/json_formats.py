"""JSON Schema ``format``, asserted as promptfoo asserts it: Ajv 8 with ajv-formats 3 ("full").

promptfoo's ``is-json`` and ``contains-json`` compile schemas with ``addFormats(new Ajv())``, so a
``format`` is a constraint there, not the annotation the JSON Schema standard makes it by
default: ``"format": "email"`` refuses ``"not an email"``. This module ports each of
ajv-formats' checks (its regular expressions and functions, ``dist/formats.js``) and refuses,
as Ajv's strict mode does, a format it does not know.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import jsonschema
import regex

__all__ = ["FORMAT_CHECKER", "KNOWN_FORMATS", "unknown_formats"]

_DATE = re.compile(r"^(\d\d\d\d)-(\d\d)-(\d\d)$")
_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_TIME = re.compile(r"^(\d\d):(\d\d):(\d\d(?:\.\d+)?)(z|([+-])(\d\d)(?::?(\d\d))?)?$", re.IGNORECASE)
_DATE_TIME_SEPARATOR = re.compile(r"t|\s", re.IGNORECASE)
_IPV4_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_H16 = r"[0-9a-f]{1,4}"


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _date(text: str) -> bool:
    match = _DATE.match(text)
    if match is None or "\n" in text:
        return False
    year, month, day = (int(part) for part in match.groups())
    return 1 <= month <= 12 and 1 <= day <= (29 if month == 2 and _leap(year) else _DAYS[month])


def _time(strict_time_zone: bool) -> Callable[[str], bool]:
    def check(text: str) -> bool:
        match = _TIME.match(text)
        if match is None or "\n" in text:
            return False
        hour, minute, second = int(match[1]), int(match[2]), float(match[3])
        zone, sign = match[4], -1 if match[5] == "-" else 1
        zone_hours, zone_minutes = int(match[6] or 0), int(match[7] or 0)
        if zone_hours > 23 or zone_minutes > 59 or (strict_time_zone and not zone):
            return False
        if hour <= 23 and minute <= 59 and second < 60:
            return True
        utc_minute = minute - zone_minutes * sign  # a leap second, in UTC at 23:59:60
        utc_hour = hour - zone_hours * sign - (1 if utc_minute < 0 else 0)
        return utc_hour in (23, -1) and utc_minute in (59, -1) and second < 61

    return check


def _date_time(strict_time_zone: bool) -> Callable[[str], bool]:
    time = _time(strict_time_zone)

    def check(text: str) -> bool:
        parts = _DATE_TIME_SEPARATOR.split(text)
        return len(parts) == 2 and _date(parts[0]) and time(parts[1])

    return check


def _pattern(source: str, flags: int = re.IGNORECASE) -> Callable[[str], bool]:
    # JavaScript's $ matches only at the very end (no m flag): \Z here.
    compiled = re.compile(source.removesuffix("$") + r"\Z", flags)
    return lambda text: compiled.match(text) is not None


_IPV6_ADDRESS = (
    rf"(?:(?:{_H16}:){{6}}|::(?:{_H16}:){{5}}|(?:{_H16})?::(?:{_H16}:){{4}}"
    rf"|(?:(?:{_H16}:){{0,1}}{_H16})?::(?:{_H16}:){{3}}|(?:(?:{_H16}:){{0,2}}{_H16})?::(?:{_H16}:){{2}}"
    rf"|(?:(?:{_H16}:){{0,3}}{_H16})?::{_H16}:|(?:(?:{_H16}:){{0,4}}{_H16})?::)"
    r"(?:[0-9a-f]{1,4}:[0-9a-f]{1,4}|(?:(?:25[0-5]|2[0-4]\d|[01]?\d\d?)\.){3}"
    r"(?:25[0-5]|2[0-4]\d|[01]?\d\d?))"
    rf"|(?:(?:{_H16}:){{0,5}}{_H16})?::{_H16}|(?:(?:{_H16}:){{0,6}}{_H16})?::"
)
_URI_HOST = (
    rf"(?:\[(?:{_IPV6_ADDRESS}|[Vv][0-9a-f]+\.[a-z0-9\-._~!$&'()*+,;=:]+)\]"
    r"|(?:(?:25[0-5]|2[0-4]\d|[01]?\d\d?)\.){3}(?:25[0-5]|2[0-4]\d|[01]?\d\d?)"
    r"|(?:[a-z0-9\-._~!$&'{quote}()*+,;=]|%[0-9a-f]{{2}})*)"
)
_PCHAR = r"(?:[a-z0-9\-._~!$&'{quote}()*+,;=:@]|%[0-9a-f]{{2}})"
_URI_TAIL = (
    r"(?:\?(?:[a-z0-9\-._~!$&'{quote}()*+,;=:@/?]|%[0-9a-f]{{2}})*)?"
    r"(?:#(?:[a-z0-9\-._~!$&'{quote}()*+,;=:@/?]|%[0-9a-f]{{2}})*)?"
)


def _uri_pattern(scheme: str, quote: str, optional_path: bool) -> str:
    """ajv-formats' URI expression; ``uri-reference`` also admits a double quote, and no path."""
    host = _URI_HOST.replace("{quote}", quote).replace("{{2}}", "{2}")
    pchar = _PCHAR.format(quote=quote)
    tail = _URI_TAIL.format(quote=quote)
    authority = rf"\/?\/(?:(?:[a-z0-9\-._~!$&'()*+,;=:]|%[0-9a-f]{{2}})*@)?{host}(?::\d*)?"
    path = rf"(?:{authority}(?:\/{pchar}*)*|\/(?:{pchar}+(?:\/{pchar}*)*)?|{pchar}+(?:\/{pchar}*)*)"
    return rf"^{scheme}{path}{'?' if optional_path else ''}{tail}$"


_URI = _pattern(_uri_pattern(r"(?:[a-z][a-z0-9+\-.]*:)", "", optional_path=False))


def _uri(text: str) -> bool:
    return bool(re.search(r"/|:", text)) and _URI(text)


_BYTE = re.compile(r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$", re.M)


def _byte(text: str) -> bool:
    return _BYTE.search(text) is not None  # a global, multiline test in ajv-formats


def _javascript_regex(text: str) -> bool:
    """Whether ``new RegExp(text)`` would compile (approximated: Python's ``regex`` compiles it
    and it uses none of the constructs only Python knows)."""
    if re.search(r"[^\\]\\Z", text) or re.search(r"\(\?(?:[aiLmsux]+[:)-]|P[<=>]|>|#)", text):
        return False
    if re.search(r"(?<!\\)[*+?}][+]", text):  # possessive quantifiers
        return False
    try:
        regex.compile(text)
    except (regex.error, ValueError, OverflowError, RecursionError):
        return False
    return True


_URL_HOST_LETTER = "a-z0-9\u00a1-\uffff"
_STRING_FORMATS: dict[str, Callable[[str], bool]] = {
    "date": _date,
    "time": _time(True),
    "date-time": _date_time(True),
    "iso-time": _time(False),
    "iso-date-time": _date_time(False),
    "duration": _pattern(
        r"^P(?!$)((\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?|(\d+W)?)$", 0
    ),
    "uri": _uri,
    "uri-reference": _pattern(_uri_pattern(r"(?:[a-z][a-z0-9+\-.]*:)?", '"', optional_path=True)),
    "uri-template": _pattern(
        r"^(?:(?:[^\x00-\x20\"'<>%\\^`{|}]|%[0-9a-f]{2})|\{[+#./;?&=,!@|]?(?:[a-z0-9_]|%[0-9a-f]{2})+"
        r"(?::[1-9][0-9]{0,3}|\*)?(?:,(?:[a-z0-9_]|%[0-9a-f]{2})+(?::[1-9][0-9]{0,3}|\*)?)*\})*$"
    ),
    "url": _pattern(
        r"^(?:https?|ftp):\/\/(?:\S+(?::\S*)?@)?(?:(?!(?:10|127)(?:\.\d{1,3}){3})"
        r"(?!(?:169\.254|192\.168)(?:\.\d{1,3}){2})(?!172\.(?:1[6-9]|2\d|3[0-1])(?:\.\d{1,3}){2})"
        r"(?:[1-9]\d?|1\d\d|2[01]\d|22[0-3])(?:\.(?:1?\d{1,2}|2[0-4]\d|25[0-5])){2}"
        r"(?:\.(?:[1-9]\d?|1\d\d|2[0-4]\d|25[0-4]))"
        rf"|(?:(?:[{_URL_HOST_LETTER}]+-)*[{_URL_HOST_LETTER}]+)"
        rf"(?:\.(?:[{_URL_HOST_LETTER}]+-)*[{_URL_HOST_LETTER}]+)*"
        r"(?:\.(?:[a-z\u00a1-\uffff]{2,})))(?::\d{2,5})?(?:\/[^\s]*)?$"
    ),
    "email": _pattern(
        r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@"
        r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$"
    ),
    "hostname": _pattern(
        r"^(?=.{1,253}\.?$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
        r"(?:\.[a-z0-9](?:[-0-9a-z]{0,61}[0-9a-z])?)*\.?$"
    ),
    "ipv4": _pattern(rf"^(?:{_IPV4_OCTET}\.){{3}}{_IPV4_OCTET}$", 0),
    "ipv6": _pattern(
        r"^((([0-9a-f]{1,4}:){7}([0-9a-f]{1,4}|:))|(([0-9a-f]{1,4}:){6}(:[0-9a-f]{1,4}|"
        r"((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3})|:))|"
        r"(([0-9a-f]{1,4}:){5}(((:[0-9a-f]{1,4}){1,2})|:((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
        r"(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3})|:))|(([0-9a-f]{1,4}:){4}(((:[0-9a-f]{1,4})"
        r"{1,3})|((:[0-9a-f]{1,4})?:((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d"
        r"|[1-9]?\d)){3}))|:))|(([0-9a-f]{1,4}:){3}(((:[0-9a-f]{1,4}){1,4})|((:[0-9a-f]{1,4})"
        r"{0,2}:((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}))|:))|"
        r"(([0-9a-f]{1,4}:){2}(((:[0-9a-f]{1,4}){1,5})|((:[0-9a-f]{1,4}){0,3}:((25[0-5]|2[0-4]\d"
        r"|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}))|:))|(([0-9a-f]{1,4}:){1}"
        r"(((:[0-9a-f]{1,4}){1,6})|((:[0-9a-f]{1,4}){0,4}:((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
        r"(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}))|:))|(:(((:[0-9a-f]{1,4}){1,7})|"
        r"((:[0-9a-f]{1,4}){0,5}:((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d"
        r"|[1-9]?\d)){3}))|:)))$"
    ),
    "regex": _javascript_regex,
    "uuid": _pattern(r"^(?:urn:uuid:)?[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$"),
    "json-pointer": _pattern(r"^(?:\/(?:[^~/]|~0|~1)*)*$", 0),
    "json-pointer-uri-fragment": _pattern(
        r"^#(?:\/(?:[a-z0-9_\-.!$&'()*+,;:=@]|%[0-9a-f]{2}|~0|~1)*)*$"
    ),
    "relative-json-pointer": _pattern(r"^(?:0|[1-9][0-9]*)(?:#|(?:\/(?:[^~/]|~0|~1)*)*)$", 0),
    "byte": _byte,
}
_INT32 = (-(2**31), 2**31 - 1)
_NUMBER_FORMATS: dict[str, Callable[[int | float], bool]] = {
    "int32": lambda n: float(n).is_integer() and _INT32[0] <= n <= _INT32[1],
    "int64": lambda n: float(n).is_integer(),
    "float": lambda n: True,
    "double": lambda n: True,
}
KNOWN_FORMATS = frozenset({*_STRING_FORMATS, *_NUMBER_FORMATS, "password", "binary"})


def _checker() -> jsonschema.FormatChecker:
    checker = jsonschema.FormatChecker(formats=())

    def string_check(check: Callable[[str], bool]) -> Callable[[object], bool]:
        return lambda value: not isinstance(value, str) or check(value)

    def number_check(check: Callable[[int | float], bool]) -> Callable[[object], bool]:
        def run(value: object) -> bool:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return True
            return check(value)

        return run

    for name, check in _STRING_FORMATS.items():
        checker.checks(name)(string_check(check))
    for name, number in _NUMBER_FORMATS.items():
        checker.checks(name)(number_check(number))
    return checker


FORMAT_CHECKER = _checker()


def unknown_formats(schema: object) -> list[str]:
    """The ``format`` values in ``schema`` that ajv-formats does not define."""
    found: list[str] = []
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            value = node.get("format")
            if isinstance(value, str) and value not in KNOWN_FORMATS and value not in found:
                found.append(value)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found
