"""The Timeline page in a real browser: `footnote app` on the session index, driven by Debian's chromium.

A student searches, opens an entry and sees each source's sentence highlighted in its passage; clicking a
year's bar in the chart narrows the list to that year. A screenshot goes to .artifacts/ (gitignored); the
README's docs/screenshot-timeline.png is taken the same way from the real app by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_browser import CHROMIUM, ROOT, app_url, browser, offline, wait_until_still  # noqa: F401

SCREENSHOT = ROOT / ".artifacts" / "screenshot-timeline.png"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no browser at {CHROMIUM}: run `make browser` "
                       "(apt-get install chromium chromium-driver) to run the browser test"),
]


def open_timeline(app_url, offline):  # noqa: F811 - the fixtures are passed in
    from playwright.sync_api import expect

    page = offline(viewport={"width": 1280, "height": 1500})
    page.goto(f"{app_url}/timeline")
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("stMain").get_by_test_id("stExpander").first).to_be_visible(timeout=60_000)
    return page


def test_a_student_searches_the_timeline_and_opens_an_event_with_its_sources_highlighted(app_url, offline):  # noqa: F811
    from playwright.sync_api import expect

    page = open_timeline(app_url, offline)
    box = page.get_by_role("textbox", name="Search")
    box.fill("pact")
    box.press("Enter")
    pact = page.get_by_test_id("stMain").get_by_test_id("stExpander").filter(has_text="1939-08-23")
    expect(pact).to_have_count(1, timeout=30_000)
    expect(page.get_by_test_id("stMain").get_by_test_id("stExpander").filter(has_text="1922")).to_have_count(0)
    pact.locator("summary").click()
    wait_until_still(pact)
    marks = pact.locator("mark")
    expect(marks.first).to_be_visible(timeout=10_000)
    assert marks.count() >= 3 and any("1939" in marks.nth(i).inner_text() for i in range(marks.count()))
    expect(pact.get_by_text("Read it in the document").first).to_be_visible()
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.get_by_role("heading", name="Timeline").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOT))


def test_clicking_a_years_bar_in_the_chart_shows_that_year_only(app_url, offline):  # noqa: F811
    from playwright.sync_api import expect

    page = open_timeline(app_url, offline)
    bar = page.locator("[data-testid='stVegaLiteChart'] [aria-roledescription='bar'][aria-label*='year: 1922']")
    expect(bar.first).to_be_visible(timeout=30_000)
    bar.first.click()
    expect(page.get_by_text("Showing 1922 only")).to_be_visible(timeout=30_000)
    labels = page.get_by_test_id("stMain").get_by_test_id("stExpander").locator("summary p")
    expect(labels.first).to_contain_text("1922", timeout=30_000)
    years = [t.split()[0] for t in labels.all_inner_texts()]
    # the Rapallo treaty (three sources); "By 1922 the conflicting paths ... were clearly evident" tells no
    # event and is not on the timeline
    assert years == ["1922"], years
    assert "Rapallo" in labels.first.inner_text()
