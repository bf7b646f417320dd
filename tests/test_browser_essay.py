"""The Essay plan page end to end in a real browser: `footnote app` on the real index, driven by Debian's
chromium. A student plans an essay, opens a footnote and sees the quote highlighted in its passage, then
reads who argues what. The screenshot goes to .artifacts/ (gitignored); docs/screenshot-essay.png is
taken from the real app by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_browser import (  # noqa: F401
    CHROMIUM,
    ROOT,
    app_url,
    browser,
    offline,
    shows_the_quote_highlighted,
    wait_until_still,
)

QUESTION = "How successful was Stalin's foreign policy 1928-41?"
SCREENSHOT = ROOT / ".artifacts" / "screenshot-essay.png"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no browser at {CHROMIUM}: run `make browser`"),
]


def test_a_student_plans_an_essay_opens_a_footnote_and_reads_who_argues_what(app_url, offline):  # noqa: F811
    from playwright.sync_api import expect

    page = offline(viewport={"width": 1280, "height": 1600})
    page.goto(f"{app_url}/essay")
    expect(page.get_by_role("heading", name="Essay plan")).to_be_visible(timeout=60_000)

    page.get_by_label("Essay question").fill(QUESTION)
    page.get_by_role("button", name="Plan the essay").click()
    expect(page.get_by_role("heading", name="Thesis options")).to_be_visible(timeout=60_000)
    for heading in ("The question", "Conclusion"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible(timeout=10_000)
    expect(page.get_by_role("button", name="Download .docx")).to_be_visible(timeout=10_000)

    first = page.get_by_test_id("stExpander").filter(has_text="[1]").first
    first.locator("summary").click()
    wait_until_still(first)
    shows_the_quote_highlighted(first)

    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.get_by_role("heading", name="Essay plan").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOT))

    page.get_by_role("tab", name="Who argues what").click()
    expect(page.get_by_text("R. Tucker").first).to_be_visible(timeout=10_000)
    expect(page.get_by_role("heading", name="Germanist")).to_be_visible(timeout=10_000)
