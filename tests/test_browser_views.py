"""End to end in a real browser, at a laptop's and a phone's size: the student view has no engine room, the
teacher view (by passphrase) has it; a footnote mark opens its footnote; a Revise card is answered and
checked. Screenshots go to .artifacts/ (gitignored)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.test_browser import (  # noqa: F401
    CHROMIUM,
    QUESTION,
    ROOT,
    app_command,
    browser,
    free_port,
    offline,
    running_app,
    wait_until_still,
)

PASSPHRASE = "a long passphrase for the test"
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
ENGINE_ROOM = ["Passages to retrieve", "Answer mode", "Reload the index", "New notebook"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no browser at {CHROMIUM}: run `make browser`"),
]


@pytest.fixture(scope="module")
def student_url(corpus_index, tmp_path_factory):
    """`footnote app` as students get it (no --teacher), with a teacher's passphrase set where it runs."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "FOOTNOTE_TEACHER"} | {
        "FOOTNOTE_HOME": str(corpus_index.home), "FOOTNOTE_INDEX_DIR": str(corpus_index.settings.index_dir),
        "FOOTNOTE_TEACHER_PASSPHRASE": PASSPHRASE}
    with running_app(app_command(port, teacher=False), env, port, tmp_path_factory.mktemp("app") / "app.log") as url:
        yield url


def _open_sidebar(page) -> None:
    """On a phone the sidebar starts closed."""
    sidebar = page.get_by_test_id("stSidebar")
    button = page.get_by_test_id("stExpandSidebarButton")
    if button.count() and button.is_visible():
        button.click()
    from playwright.sync_api import expect

    expect(sidebar.get_by_text("Notebook", exact=True).first).to_be_visible(timeout=10_000)


@pytest.mark.parametrize("size", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_the_student_view_has_no_engine_room_and_the_passphrase_opens_the_teachers(student_url, offline, size):  # noqa: F811
    from playwright.sync_api import expect

    page = offline(viewport=size)
    page.goto(student_url)
    expect(page.get_by_role("heading", name="Footnote")).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("stChatInputTextArea")).to_be_enabled(timeout=60_000)  # the engine is loaded
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text("Teacher", exact=True)).to_be_attached(timeout=30_000)
    _open_sidebar(page)
    expect(sidebar.get_by_text("Teacher", exact=True)).to_be_visible(timeout=30_000)
    for label in ENGINE_ROOM:
        expect(page.get_by_text(label, exact=True)).to_have_count(0)
    nav = page.get_by_test_id("stSidebarNav")
    for name in ("Ask", "Essay plan", "Timeline", "Revise", "Sources"):
        expect(nav.get_by_text(name, exact=True)).to_be_visible()
    for name in ("Check an answer", "Evaluation"):
        expect(nav.get_by_text(name, exact=True)).to_have_count(0)

    nav.get_by_text("Sources", exact=True).click()
    expect(page.get_by_role("heading", name="Sources")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("tab", name="What cleaning removed")).to_be_visible(timeout=30_000)
    for label in ("Remove this document", "Add documents to this notebook", "Edit title, kind and reliability note"):
        expect(page.get_by_text(label)).to_have_count(0)
    page.screenshot(path=str(_shot(f"student-sources-{size['width']}")))

    _open_sidebar(page)
    sidebar.get_by_text("Teacher", exact=True).click()
    sidebar.get_by_label("Passphrase").fill("not it")
    sidebar.get_by_role("button", name="Open the teacher view").click()
    expect(sidebar.get_by_text("That is not the passphrase.")).to_be_visible(timeout=10_000)
    sidebar.get_by_label("Passphrase").fill(PASSPHRASE)
    sidebar.get_by_role("button", name="Open the teacher view").click()
    expect(nav.get_by_text("Check an answer", exact=True)).to_be_visible(timeout=30_000)
    expect(sidebar.get_by_text("Passages to retrieve")).to_be_visible()
    expect(page.get_by_text("Remove this document", exact=True)).to_be_visible(timeout=30_000)
    sidebar.get_by_role("button", name="Back to the student view").click()
    expect(nav.get_by_text("Check an answer", exact=True)).to_have_count(0, timeout=30_000)


@pytest.mark.parametrize("size", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_clicking_a_footnote_mark_opens_that_footnote_with_the_quote_marked(student_url, offline, size):  # noqa: F811
    from playwright.sync_api import expect

    page = offline(viewport=size)
    page.goto(student_url)
    box = page.get_by_test_id("stChatInputTextArea")
    expect(box).to_be_enabled(timeout=60_000)
    box.fill(QUESTION)
    box.press("Enter")
    mark = page.locator("a.fn-ref", has_text="[2]").first
    expect(mark).to_be_visible(timeout=60_000)
    # the page's click listener is in place (ui.footnote_links: a component, which loads as an iframe), and
    # the page has finished its run (the suggestions come after the answer; a rerun redraws the footnotes)
    page.wait_for_function("() => typeof document.footnoteLinks === \"function\"", timeout=30_000)
    expect(page.get_by_role("button", name="Clear the conversation")).to_be_visible(timeout=60_000)
    footnote = page.locator(".st-key-fn-0-2")
    expect(footnote.locator("mark")).not_to_be_visible()  # closed until asked for
    mark.click()
    expect(footnote.locator("mark")).to_be_visible(timeout=10_000)
    expect(footnote.locator("mark")).to_be_in_viewport(timeout=10_000)
    assert footnote.locator("details").get_attribute("open") is not None
    wait_until_still(footnote)
    page.screenshot(path=str(_shot(f"footnote-click-{size['width']}")))


def test_a_revise_card_is_answered_and_checked_against_its_sentence(student_url, offline, engine):  # noqa: F811
    from playwright.sync_api import expect

    from app.jobs.revise import make_deck

    first = make_deck(engine, 20)[0]  # the page's deck: the same sources, the same seed
    page = offline(viewport=LAPTOP)
    page.goto(f"{student_url}/revise")
    expect(page.get_by_role("heading", name="Revise")).to_be_visible(timeout=60_000)
    expect(page.get_by_role("button", name="Check")).to_be_visible(timeout=60_000)
    page.get_by_label("Your answer").fill("certainly not this")
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_text("This card will come round again.")).to_be_visible(timeout=30_000)
    footnote = page.get_by_test_id("stExpander").filter(has_text="[1]").first
    footnote.locator("summary").click()
    expect(footnote.locator("mark")).to_have_text(first.citation.quote.strip(), timeout=10_000)
    page.get_by_label("Your answer").fill(first.answer)  # the card missed comes round again first
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_text("Right:")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("1 of 20 cards right")).to_be_visible()
    expect(page.get_by_role("button", name="Download for Anki (.csv)")).to_be_visible()
    page.screenshot(path=str(_shot("revise")), full_page=True)


def _shot(name: str) -> Path:
    out = ROOT / ".artifacts" / f"screenshot-{name}.png"
    out.parent.mkdir(exist_ok=True)
    return out


def test_the_evaluation_page_fits_a_phone_without_cut_off_labels(student_url, offline):  # noqa: F811
    from playwright.sync_api import expect

    page = offline(viewport=PHONE)
    page.goto(student_url)
    expect(page.get_by_test_id("stChatInputTextArea")).to_be_enabled(timeout=60_000)
    _open_sidebar(page)
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("Teacher", exact=True).click()
    sidebar.get_by_label("Passphrase").fill(PASSPHRASE)
    sidebar.get_by_role("button", name="Open the teacher view").click()
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav.get_by_text("Evaluation", exact=True)).to_be_visible(timeout=30_000)
    nav.get_by_text("Evaluation", exact=True).click()
    expect(page.get_by_role("heading", name="Evaluation", exact=True)).to_be_visible(timeout=60_000)
    close = page.get_by_test_id("stSidebarCollapseButton").locator("button")
    if close.count() and close.first.is_visible():  # the sidebar covers a phone's page until closed
        close.first.click()
        expect(page.get_by_test_id("stExpandSidebarButton")).to_be_visible(timeout=10_000)
        wait_until_still(page.get_by_test_id("stSidebar"))
    run = page.get_by_role("button", name="Run the evaluation")
    figures = page.get_by_text("The first footnote is the right passage")
    expect(run.or_(page.get_by_role("button", name="Run the evaluation again"))).to_be_visible(timeout=60_000)
    if figures.count():  # a run exists (an earlier test made one): its figures wrap, none cut off
        expect(figures.first).to_be_visible()
    else:
        expect(page.get_by_text("No evaluation has been run yet")).to_be_visible()
    wide = page.evaluate("""() => {
        const main = document.querySelector('[data-testid="stMain"]');
        return [...main.querySelectorAll("p, b, small, h1, h3")]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
            .map(e => e.textContent.slice(0, 60));
    }""")
    assert wide == [], wide
    page.screenshot(path=str(_shot("evaluation-390")), full_page=True)


def test_a_suggested_question_is_answered_when_clicked(student_url, offline):  # noqa: F811
    from playwright.sync_api import expect

    page = offline(viewport=PHONE)
    page.goto(student_url)
    box = page.get_by_test_id("stChatInputTextArea")
    expect(box).to_be_enabled(timeout=60_000)
    box.fill("What was collective security?")
    box.press("Enter")
    expect(page.get_by_text("Ask next")).to_be_visible(timeout=60_000)
    suggestion = page.locator("[class*='st-key-suggest-0-'] button").first
    asked = suggestion.locator("p").inner_text().strip()  # the words, not the icon's name
    suggestion.click()
    messages = page.get_by_test_id("stChatMessage")
    expect(messages.filter(has_text=asked).first).to_be_visible(timeout=60_000)
    expect(page.locator("a.fn-ref[data-fn^='fn-1-']").first).to_be_visible(timeout=60_000)  # answered, footnoted
