"""Accessibility as a test: axe-core on the widget, the console, the dashboard and the review
inbox (no serious or critical violations), keyboard-only use of the widget and the console,
and a phone's needs: touch targets of at least 44 px and inputs of at least 16 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.accessibility import axe_script, serious_violations
from tests.e2e.conftest import screenshot
from tests.e2e.desk import add_agent
from tests.e2e.test_handoff_browser import sign_in
from tests.e2e.test_widget_browser import ask, open_widget

pytestmark = pytest.mark.rasa

PHONE = {"width": 375, "height": 667}


@pytest.fixture
def checked(browser):
    """A browser context in which axe-core may run on the console's pages."""
    axe_script()  # skip (or fail under make test) before starting anything without it
    contexts = []

    def open_page(viewport=None, **options):
        context = browser.new_context(
            viewport=viewport or {"width": 1366, "height": 850}, bypass_csp=True, **options
        )
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def test_the_widget_has_no_serious_violations_and_works_from_the_keyboard(running_bot, checked):
    page = checked(PHONE, has_touch=True, is_mobile=True)
    open_widget(page, running_bot.web_url + "/")
    ask(page, "I want to return something")
    choice = page.get_by_test_id("sb-choice").first
    choice.wait_for(timeout=30000)

    assert serious_violations(page) == []
    # A phone: inputs of 16 px or more (no zooming in), touch targets of 44 px or more.
    font = page.get_by_test_id("sb-input").evaluate("e => getComputedStyle(e).fontSize")
    assert float(font.removesuffix("px")) >= 16
    for target in ("sb-close", "sb-person", "sb-send"):
        box = page.get_by_test_id(target).bounding_box()
        assert box and box["width"] >= 44 and box["height"] >= 44, (target, box)

    # A choice made with the keyboard leaves the focus where the customer can go on typing.
    choice.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("sb-input")).to_be_focused(timeout=10000)
    screenshot(page, "accessibility-widget-phone")


def test_the_console_dashboard_and_review_have_no_serious_violations(running_bot, checked, hours):
    hours("00:00-24:00")
    add_agent(running_bot, "ada", role="lead")
    console = checked()
    sign_in(console, running_bot, "ada")  # online: the customer can queue
    customer = checked(PHONE)
    open_widget(customer, running_bot.web_url + "/")
    asked = "Ada's check here: I'd like a person please"  # earlier tests may have left others
    ask(customer, asked)
    customer.get_by_text("in the queue").first.wait_for(timeout=30000)

    # Keyboard only: Alt+N opens the next waiting customer; Tab to ours, Enter opens it, Alt+C
    # claims it and puts the cursor in the reply box; Enter sends.
    waiting = console.get_by_test_id("waiting").get_by_test_id("handoff")
    waiting.filter(has_text=asked).wait_for(timeout=15000)
    console.keyboard.press("Alt+N")
    expect(console.get_by_test_id("conv-title")).to_be_visible(timeout=10000)
    waiting.filter(has_text=asked).focus()
    console.keyboard.press("Enter")
    expect(console.get_by_test_id("context-summary")).to_contain_text(asked, timeout=10000)
    console.keyboard.press("Alt+C")
    expect(console.get_by_test_id("reply")).to_be_focused(timeout=10000)
    console.keyboard.type("Hello, I'm Ada.")
    console.keyboard.press("Enter")
    customer.get_by_text("Hello, I'm Ada.").wait_for(timeout=15000)
    assert serious_violations(console) == []

    console.goto(running_bot.web_url + "/console/dashboard.html")
    console.locator("body[data-loaded=yes]").wait_for(timeout=60000)
    assert serious_violations(console) == []

    console.goto(running_bot.web_url + "/console/review.html")
    console.get_by_test_id("me").filter(has_text="ada").wait_for(timeout=15000)
    assert serious_violations(console) == []
    console.goto(running_bot.web_url + "/console")
    console.get_by_test_id("assigned").get_by_test_id("handoff").filter(has_text=asked).click()
    console.get_by_test_id("note").fill("said hello")
    console.get_by_test_id("close").click()
    customer.get_by_text("has closed the chat").wait_for(timeout=15000)


def test_the_sign_in_page_has_no_serious_violations(running_bot, checked):
    page = checked()
    page.goto(running_bot.web_url + "/console")
    page.get_by_test_id("signin-form").wait_for()
    assert serious_violations(page) == []
