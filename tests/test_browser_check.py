"""End to end in a real browser: a teacher checks a student's answer on the Check an answer page, opens a
footnote, and looks at the Evaluation page. Screenshots go to .artifacts/ (gitignored)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_browser import CHROMIUM, ROOT, app_url, browser, offline, wait_until_still  # noqa: F401

SCREENSHOT = ROOT / ".artifacts" / "screenshot-check.png"
SCREENSHOT_EVALUATION = ROOT / ".artifacts" / "screenshot-evaluation.png"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no browser at {CHROMIUM}: run `make browser`"),
]


def test_a_teacher_checks_an_example_answer_and_opens_a_footnote(app_url, offline):  # noqa: F811
    from playwright.sync_api import expect

    page = offline(viewport={"width": 1280, "height": 2200})
    page.goto(f"{app_url}/check")
    expect(page.get_by_role("heading", name="Check an answer")).to_be_visible(timeout=60_000)
    page.get_by_role("button", name="Fill in an example").click()
    expect(page.get_by_label("Question")).to_have_value(
        "Why did both Hitler and Stalin agree to the non-aggression agreement of 1939?", timeout=30_000)
    page.get_by_role("button", name="Check the answer").click()

    expect(page.get_by_text("Conflicts with the sources").first).to_be_visible(timeout=90_000)
    expect(page.get_by_text("Not in the sources").first).to_be_visible()
    expect(page.get_by_text("1939, not 1938").first).to_be_visible()
    footnote = page.get_by_test_id("stExpander").filter(has_text="[1]").first
    footnote.locator("summary").click()
    wait_until_still(footnote)
    expect(footnote.locator("mark")).to_be_visible(timeout=10_000)
    expect(footnote.get_by_text("Read it in the document")).to_be_visible()
    expect(page.get_by_role("button", name="Download .docx")).to_be_visible()

    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.get_by_role("heading", name="Check an answer").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOT), full_page=True)


def test_the_evaluation_page_draws_and_offers_a_run(app_url, offline):  # noqa: F811
    from playwright.sync_api import expect

    page = offline(viewport={"width": 1280, "height": 1400})
    page.goto(f"{app_url}/evaluation")
    expect(page.get_by_role("heading", name="Evaluation", exact=True)).to_be_visible(timeout=60_000)
    expect(page.get_by_role("button", name="Run the evaluation again")).to_be_visible(timeout=30_000)
    page.screenshot(path=str(SCREENSHOT_EVALUATION), full_page=True)
