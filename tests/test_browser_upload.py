"""End to end in a real browser: a teacher uploads a PDF through the Sources page's real file input, a
student asks a question the PDF answers, and the footnote says the page the quote is on. The app runs
in its own project home, so nothing is added to the session's index."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from conftest import make_home
from documents_factory import make_pdf
from test_browser import CHROMIUM, ROOT, browser, free_port, offline, running_app  # noqa: F401
from test_formats import PAGE_1, PAGE_2, PAGE_3

from ingest import notebooks
from ingest.settings import Settings

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no browser at {CHROMIUM}: run `make browser`"),
]
SCREENSHOT = ROOT / ".artifacts" / "screenshot-upload.png"


@pytest.fixture(scope="module")
def class_app(tmp_path_factory):
    """`footnote app` on a free port, opening an empty notebook 'history-10b' in a home of its own."""
    root = tmp_path_factory.mktemp("upload-app")
    home = make_home(root)
    env = os.environ | {"FOOTNOTE_HOME": str(home), "FOOTNOTE_INDEX_DIR": str(root / "index"),
                        "FOOTNOTE_NOTEBOOK": "history-10b", "PYTHONPATH": str(ROOT)}
    notebooks.create(Settings.from_env(home=home, index_dir=root / "index"), "history-10b")
    port = free_port()
    # this checkout's code, not an installed one; the teacher's view, which adds documents
    cmd = [sys.executable, "-m", "app.cli", "app", "--port", str(port), "--teacher"]
    with running_app(cmd, env, port, root / "app.log") as url:
        yield url, root


def test_a_pdf_uploaded_in_the_browser_answers_with_its_page_in_the_footnote(class_app, offline):  # noqa: F811
    from playwright.sync_api import expect

    url, root = class_app
    pdf = make_pdf(root / "soviet-diplomacy.pdf", [PAGE_1, PAGE_2, PAGE_3], running_header="History 10B",
                   page_numbers=True)
    page = offline(viewport={"width": 1280, "height": 1500})
    page.goto(f"{url}/sources")
    expect(page.get_by_role("heading", name="Sources")).to_be_visible(timeout=60_000)
    page.locator("input[type=file]").first.set_input_files(str(pdf))
    add = page.get_by_role("button", name="Add to the notebook")
    expect(add).to_be_enabled(timeout=30_000)
    add.click()
    added = page.get_by_test_id("stAlertContentSuccess").filter(has_text="3 pages")
    expect(added).to_contain_text("Soviet diplomacy", timeout=120_000)
    expect(added).to_contain_text("cleaning removed 6 lines")
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))

    page.get_by_test_id("stSidebarNav").get_by_text("Ask", exact=True).click()
    box = page.get_by_test_id("stChatInputTextArea")
    expect(box).to_be_enabled(timeout=60_000)
    box.fill("When was Litvinov dismissed?")
    box.press("Enter")
    first = page.get_by_test_id("stExpander").filter(has_text="[1]").first
    expect(first).to_be_visible(timeout=60_000)
    label = first.locator("summary").inner_text()
    assert "Soviet diplomacy, p. 2" in label, label
    first.locator("summary").click()
    expect(first.locator("mark")).to_contain_text("Litvinov was dismissed", timeout=10_000)
