"""End to end in a real browser: `footnote app` serving the real index, driven by Debian's chromium.

Playwright never downloads a browser here: it launches /usr/bin/chromium (`make browser` installs it).
The tests save screenshots of the Ask and Sources pages to .artifacts/ (gitignored) each
time they pass.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Tests write nothing into the repository: screenshots go to .artifacts/ (gitignored). The README's
# screenshots in docs/ are taken from the real app (`make run`) by hand.
SCREENSHOT = ROOT / ".artifacts" / "screenshot-ask.png"
SCREENSHOT_SOURCES = ROOT / ".artifacts" / "screenshot-sources.png"
QUESTION = "Why did Litvinov's dismissal matter?"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no browser at {CHROMIUM}: run `make browser` "
                       "(apt-get install chromium chromium-driver) to run the browser test"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the app exited with code {proc.returncode} before listening")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"the app did not listen on port {port} within {seconds:.0f} s")


def app_command(port: int, teacher: bool) -> list[str]:
    footnote = shutil.which("footnote", path=str(Path(sys.executable).parent))
    if footnote:
        return [footnote, "app", "--port", str(port), *(["--teacher"] if teacher else [])]
    return [sys.executable, "-m", "streamlit", "run", str(ROOT / "app" / "pages" / "streamlit_app.py"),
            "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true"]


@pytest.fixture(scope="module")
def app_url(corpus_index, tmp_path_factory):
    """`footnote app --teacher` (every page, the teacher's view) on a free port, reading the session's
    index; stopped at teardown."""
    port = free_port()
    env = os.environ | {"FOOTNOTE_HOME": str(corpus_index.home), "FOOTNOTE_INDEX_DIR": str(corpus_index.settings.index_dir),
                        "FOOTNOTE_TEACHER": "1"}
    with running_app(app_command(port, teacher=True), env, port, tmp_path_factory.mktemp("app") / "app.log") as url:
        yield url


@contextmanager
def running_app(cmd: list[str], env: dict, port: int, log: Path):
    """The app started by `cmd` on `port`, its output in `log`; its URL once it listens; stopped after."""
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, proc, 60)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


class OfflinePage:
    """A page in its own browser context where every request that would leave this machine fails, as it
    would on a school laptop with no internet, and is recorded: the app must ask nothing of it."""

    def __init__(self, browser, **options):
        self.outside: list[str] = []
        self.context = browser.new_context(**options)
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()

    def _route(self, route):
        url = route.request.url
        if urlsplit(url).scheme in {"data", "blob"} or urlsplit(url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def offline(browser):
    """`offline(viewport=...)` opens an OfflinePage; at the end the test fails if any request went outside."""
    opened: list[OfflinePage] = []

    def open_page(**options):
        opened.append(OfflinePage(browser, **options))
        return opened[-1].page

    yield open_page
    outside = [u for o in opened for u in o.outside]
    for o in opened:
        o.close()
    assert not outside, f"the app asked for things outside this machine: {outside}"


def ask_and_open_first_footnote(page):
    """Type the question, wait for the answer, open footnote [1]; returns the footnote's expander."""
    from playwright.sync_api import expect

    box = page.get_by_test_id("stChatInputTextArea")
    expect(box).to_be_enabled(timeout=60_000)
    box.fill(QUESTION)
    box.press("Enter")
    first = page.get_by_test_id("stExpander").filter(has_text="[1]").first
    expect(first).to_be_visible(timeout=60_000)
    first.locator("summary").click()
    wait_until_still(first)
    return first


def wait_until_still(locator, seconds: float = 10.0) -> None:
    """Wait until the element stops moving: an expander animates open, and a click aimed at a link inside
    it while it grows can land on the passage text above the link (seen in about one run in five)."""
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        box = locator.bounding_box()
        if box is not None and box == last:
            return
        last = box
        time.sleep(0.25)
    raise AssertionError(f"the element was still moving after {seconds:.0f} s")


def shows_the_quote_highlighted(footnote) -> None:
    """An open footnote shows its passage with the quoted words marked, and the link into Sources."""
    from playwright.sync_api import expect

    mark = footnote.locator("mark")
    expect(mark).to_be_visible(timeout=10_000)
    assert len(mark.inner_text().strip()) > 10
    expect(footnote.get_by_text("Read it in the document")).to_be_visible(timeout=10_000)


def test_a_student_asks_opens_a_footnote_and_sees_the_quote_highlighted(app_url, offline):
    from playwright.sync_api import expect

    page = offline(viewport={"width": 1280, "height": 1600})
    started = time.monotonic()
    page.goto(app_url)
    expect(page.get_by_role("heading", name="Footnote")).to_be_visible(timeout=60_000)

    first = ask_and_open_first_footnote(page)
    answered = time.monotonic() - started
    assert page.get_by_test_id("stChatMessage").filter(has_text="[1]").count() >= 1

    shows_the_quote_highlighted(first)

    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.get_by_role("heading", name="Footnote").scroll_into_view_if_needed()
    wait_until_still(first)  # the expander has finished opening
    page.screenshot(path=str(SCREENSHOT))
    print(f"first answer {answered:.1f} s after opening the page")


def test_a_footnote_link_opens_the_passage_in_sources(app_url, offline):
    from playwright.sync_api import expect

    page = offline(viewport={"width": 1280, "height": 1400})
    page.goto(app_url)
    first = ask_and_open_first_footnote(page)
    expect(first.locator("mark")).to_be_visible(timeout=10_000)
    quote = first.locator("mark").inner_text()
    label = first.locator("summary").inner_text().split("] ", 1)[1].split(" · passage")[0]
    # The label names the speaker first when the source quotes someone ("William Shirer, in <title>").
    speaker, _, title = label.partition(", in ") if label.startswith("William Shirer, in ") else ("", "", label)
    assert speaker == "William Shirer", label  # the first footnote quotes him (app/engine/speakers.py)

    first.get_by_text("Read it in the document").click()
    expect(page.get_by_role("heading", name="Sources")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("The passage your footnote cites")).to_be_visible(timeout=30_000)
    assert "doc=" in page.url and "passage=" in page.url
    assert page.locator("mark").first.inner_text() == quote

    expect(page.get_by_role("combobox", name="Document")).to_have_value(title, timeout=10_000)

    page.get_by_role("tab", name="What cleaning removed").click()
    # the open tab's first rule (the page's own "Add documents" expander sits above the tabs)
    rule = page.locator("[role=tabpanel]:visible").get_by_test_id("stExpander").first
    rule.locator("summary").click()
    expect(rule.locator("pre, [data-testid='stCode']").first).to_be_visible(timeout=10_000)
    wait_until_still(rule)
    page.screenshot(path=str(SCREENSHOT_SOURCES))


def test_the_app_asks_nothing_of_the_internet_and_its_favicon_is_its_own(app_url, offline):
    """Every page, the icon font and the favicon come from the app itself: requests elsewhere are failed
    and recorded by `offline` (a ":material/...:" page icon was fetched from fonts.gstatic.com). The
    favicon's address is also checked in the page, as a browser with it cached would not ask again."""
    from playwright.sync_api import expect

    page = offline(viewport={"width": 1280, "height": 1000})
    page.goto(app_url)
    expect(page.get_by_role("heading", name="Footnote")).to_be_visible(timeout=60_000)
    for name in ("Sources", "Essay plan", "Timeline", "Check an answer", "Evaluation", "Ask"):
        page.get_by_test_id("stSidebarNav").get_by_text(name, exact=True).click()
        expect(page.get_by_role("heading", name="Footnote" if name == "Ask" else name).first).to_be_visible(
            timeout=30_000)
    icon = page.locator("link[rel~='icon']").first.get_attribute("href") or ""
    assert icon.startswith(("data:", "/", app_url)), icon
    assert "gstatic" not in icon and "googleapis" not in icon
