"""Browser tests: Playwright for Python driving the system Chromium against a live server.

Playwright never downloads a browser here: we launch /usr/bin/chromium (or CHROMIUM_PATH).
"""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from tests.conftest import CHROMIUM_PATH

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make to set
# up data are still plain synchronous calls, so allow them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def pytest_collection_modifyitems(items):
    # A test outside tests/e2e that takes an argument named "page" becomes a browser test
    # (pytest-playwright's fixture), and grouping the browser tests then runs them, with their
    # database flushes, before the rest: every role group was gone for the tests after.
    strays = [
        item.nodeid
        for item in items
        if "page" in getattr(item, "fixturenames", ()) and "tests/e2e/" not in item.nodeid
    ]
    if strays:
        raise pytest.UsageError(f"browser tests belong in tests/e2e/: {strays}")
    for item in items:
        if "e2e" in item.nodeid:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM_PATH,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 860}}


@pytest.fixture
def signed_in(page, live_server, django_user_model):
    """A page signed in through the real login form as a superuser."""
    django_user_model.objects.create_superuser("e2e", "e2e@staff.example", "e2e-password")
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "e2e")
    page.fill("#id_password", "e2e-password")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


BLOCKING_IMPACTS = {"serious", "critical"}
AXE = Axe()


def axe_violations(page: Page) -> list[str]:
    """The serious and critical axe-core violations on the page, one line per rule."""
    results = AXE.run(page, options={"resultTypes": ["violations"]})
    return [
        f"{page.url}: {violation['id']} ({violation['impact']}) {violation['help']} — "
        + "; ".join(" ".join(node["target"]) for node in violation["nodes"])
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
    ]


@pytest.fixture(autouse=True)
def accessible_pages(request):
    """Every page a browser test loads is checked with axe-core as it loads; the test fails at
    its end on any serious or critical violation, with the rule and the elements that break it."""
    if "page" not in request.fixturenames:
        yield
        return
    page: Page = request.getfixturevalue("page")
    found: list[str] = []

    def audit(loaded: Page) -> None:
        try:
            # panels load by htmx after the load event, faded while they do: audit them settled
            loaded.wait_for_load_state("networkidle")
            found.extend(axe_violations(loaded))
        except PlaywrightError:
            return  # the page navigated on before the audit ran; its successor gets its own

    page.on("load", audit)
    yield
    page.remove_listener("load", audit)
    assert not found, "accessibility violations:\n" + "\n".join(dict.fromkeys(found))


@pytest.fixture(autouse=True)
def eager_tasks_inside_the_request(settings):
    """The live server answers the browser on keep-alive connections: tasks run after one
    response (core/deferred.py) would hold up the next request on that connection, and the
    page's following htmx calls with it. Here they run inside the request, as Celery's eager
    mode does."""
    settings.OMS_DEFER_EAGER_TASKS = False
