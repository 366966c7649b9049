"""Browser fixtures: Playwright for Python driving Debian's Chromium.

``playwright install`` cannot download browsers here, so the tests launch the system
Chromium (``apt-get install --no-install-recommends chromium``). A missing browser is a
failure, never a skip: CI must not pass without having run the browser tests.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
RESULTS_DIR = Path(settings.BASE_DIR) / "test-results"
# A Chinese user's browser: LocaleMiddleware serves zh-hans for zh-CN.
BROWSER_LOCALE = "zh-CN"


@pytest.fixture(scope="session")
def browser():
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}. Install it with "
            "`apt-get install -y --no-install-recommends chromium fonts-noto-cjk` (.ci/run does); "
            "browser tests fail rather than skip so CI never passes without them.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def clean_cache():
    """Login throttling counts failures in the cache, which the live server thread shares."""
    cache.clear()
    yield
    cache.clear()


class PageProblems:
    """Failed requests, console errors and uncaught exceptions seen by a page."""

    def __init__(self, page):
        self.items: list[str] = []
        page.on("pageerror", lambda exc: self.items.append(f"page error: {exc}"))
        page.on("console", self._console)
        page.on("response", self._response)

    def _console(self, message) -> None:
        if message.type == "error" and "favicon.ico" not in (message.location or {}).get("url", ""):
            self.items.append(f"console error: {message.text}")

    def _response(self, response) -> None:
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            self.items.append(f"HTTP {response.status} for {response.url}")


def _new_page(browser, **context_args):
    context = browser.new_context(locale=BROWSER_LOCALE, **context_args)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.problems = PageProblems(page)
    return context, page


@pytest.fixture
def desktop_page(browser, clean_cache):
    context, page = _new_page(browser, viewport={"width": 1280, "height": 800})
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, clean_cache):
    # An iPhone 12/13/14-sized screen.
    context, page = _new_page(
        browser, viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    yield page
    context.close()


@pytest.fixture
def results_dir() -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    return RESULTS_DIR
