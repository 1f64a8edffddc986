"""Credentials never reach an error page or a log line.

Django's debug page and error reports hide settings whose *name* looks secret (KEY, TOKEN,
PASS…), but ``REDIS_URL`` or ``DATABASE_URL`` carry a password inside the *value*
(``redis://:secret@host``). Both the error-report filter and the logging filter here mask the
password of every URL with credentials, in settings, request data, tracebacks' variables and
log messages."""

from __future__ import annotations

import logging
import re
from typing import Any

from django.utils.safestring import SafeString, mark_safe
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

__all__ = [
    "CredentialMaskingFilter",
    "CredentialMaskingReporter",
    "MaskCredentialsInLogs",
    "mask_credentials",
]

MASK = "********"
_URL_WITH_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]*:)[^\s@/]+@")


def mask_credentials(text: str) -> str:
    """``text`` with the password of every ``scheme://user:password@host`` URL masked."""
    return _URL_WITH_PASSWORD.sub(lambda match: f"{match.group('head')}{MASK}@", text)


class CredentialMaskingFilter(SafeExceptionReporterFilter):
    """Django's filter, plus connection URLs with a password masked wherever they appear."""

    def cleanse_setting(self, key: Any, value: Any) -> Any:
        cleansed = super().cleanse_setting(key, value)
        return mask_credentials(cleansed) if isinstance(cleansed, str) else cleansed

    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> Any:
        return [
            (name, mask_credentials(value) if isinstance(value, str) else value)
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]


class CredentialMaskingReporter(ExceptionReporter):
    """The debug page and error reports, with every connection password masked in the whole
    page: settings, local variables and the exception's own message."""

    def get_traceback_html(self) -> SafeString:
        # Masking only shortens a URL's password: the page's escaping is untouched.
        return mark_safe(mask_credentials(super().get_traceback_html()))

    def get_traceback_text(self) -> SafeString:
        return mark_safe(mask_credentials(super().get_traceback_text()))


class MaskCredentialsInLogs(logging.Filter):
    """Masks connection passwords in every log record's message (after formatting its args)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_credentials(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
