"""A learner in a real browser (Debian's Chromium driven by Playwright) signs up, submits a
prompt, and sees the grade appear without reloading the page."""

import os
import shutil
from collections.abc import Iterator

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return os.environ.get("PROMPTCRAFT_CHROMIUM") or shutil.which("chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    path = chromium_path()
    if path is None:
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("PROMPTCRAFT_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's ORM, used by fixtures
    # in the same thread, would otherwise refuse to run beside it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path, headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def page(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def test_a_learner_signs_up_submits_a_prompt_and_sees_the_grade_live(
    page, celery_worker_process, exercise
):
    page.goto("/accounts/signup/")
    page.fill("input[name=email]", "newcomer@example.com")
    page.fill("input[name=password1]", "a-long-pass-phrase")
    page.fill("input[name=password2]", "a-long-pass-phrase")
    page.click("form button[type=submit]")
    page.wait_for_url("**/")

    page.goto(f"/exercises/{exercise.pk}/")
    page.fill("textarea[name=prompt]", "[[stub:sleep=1.5]] What is the capital of {{country}}?")
    page.click("form.attempt button[type=submit]")
    page.wait_for_url("**/submissions/*/")
    # A mark on the window survives only if the page is never reloaded.
    page.evaluate("window.__sameDocument = true")
    page.locator("#submission-status[data-status=grading]").wait_for()

    page.locator("#submission-status[data-status=graded]").wait_for(timeout=60_000)

    assert page.evaluate("window.__sameDocument") is True
    panel = page.locator("#submission-status")
    assert "100%" in panel.inner_text()
    assert "Passed" in panel.inner_text()
    assert "France" in panel.inner_text()
    assert "Hidden test" in panel.inner_text()
    assert "Atlantis-hidden-value" not in page.content()


def test_a_bad_prompt_shows_a_form_error_in_the_browser(page, learner, exercise):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "learner@example.com")
    page.fill("input[name=password]", "correct horse battery staple")
    page.click("form button[type=submit]")
    page.wait_for_url("**/")

    page.goto(f"/exercises/{exercise.pk}/")
    page.fill("textarea[name=prompt]", "A prompt without the placeholder")
    page.click("form.attempt button[type=submit]")

    assert "must use the placeholder" in page.locator(".errorlist").inner_text()
