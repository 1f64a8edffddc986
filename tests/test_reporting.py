"""Connection passwords are masked on error pages and in logs."""

import logging

from django.test import RequestFactory, override_settings
from django.views.debug import technical_500_response

from config.reporting import CredentialMaskingFilter, MaskCredentialsInLogs, mask_credentials


def test_the_password_of_a_url_is_masked_and_nothing_else():
    assert mask_credentials("redis://:pw@cache:6379/0") == "redis://:********@cache:6379/0"
    assert mask_credentials("postgres://app:s3cr%40t@db/promptcraft and more") == (
        "postgres://app:********@db/promptcraft and more"
    )
    assert mask_credentials("redis://cache:6379/0") == "redis://cache:6379/0"
    assert mask_credentials("see http://example.com/a:b@c") == "see http://example.com/a:b@c"


def test_the_debug_error_page_shows_no_connection_password():
    # The page quotes this test's source and locals: each password exists only inside a URL.
    with override_settings(
        REDIS_URL="redis://:" + "redis-" + "pw" + "@cache:6379/0",
        DEBUG=True,
        ALLOWED_HOSTS=["testserver"],
    ):
        request = RequestFactory().get("/")
        try:
            connection = "postgres://app:" + "db-" + "pw" + "@db/promptcraft"  # a local
            raise RuntimeError(f"cannot connect to {connection!r}")
        except RuntimeError as error:
            page = technical_500_response(request, type(error), error, error.__traceback__)
    html = page.content.decode()
    assert "redis-" + "pw" not in html
    assert "db-" + "pw" not in html  # not even in the exception's own message
    assert "redis://:********@cache:6379/0" in html
    assert "postgres://app:********@db/promptcraft" in html


def test_settings_are_cleansed_by_the_configured_filter():
    cleansed = CredentialMaskingFilter().cleanse_setting("CELERY_BROKER_URL", "redis://u:p@h/0")
    assert cleansed == "redis://u:********@h/0"


def test_log_messages_mask_connection_passwords(caplog):
    logger = logging.getLogger("promptcraft.test")
    logger.addFilter(MaskCredentialsInLogs())
    password = "-".join(["log", "pw"])
    with caplog.at_level(logging.INFO, logger="promptcraft.test"):
        logger.info("broker at %s", f"redis://:{password}@cache:6379/0")
    assert password not in caplog.text
    assert "redis://:********@cache:6379/0" in caplog.text
