"""The screenshots in docs/: every page of the app on the shipped corpus, at a laptop's size and a phone's.

    .venv/bin/python scripts/screenshots.py        # make screenshots; about two minutes (needs `make browser`)

Starts the app twice on the built index, as students get it and with `--teacher`, drives Debian's chromium
with Playwright as the browser tests do, and writes docs/screenshot-<page>.png (1366 wide) and
docs/screenshot-<page>-phone.png (390 wide), from the top of the page. The Evaluation page shows the latest run
in eval/runs/ (`footnote eval` makes one; this runs it first when there is none).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
# A laptop's and a phone's width; taller than their screens, so one picture shows a page's whole answer.
SIZES = {"": {"width": 1366, "height": 1500}, "-phone": {"width": 390, "height": 1700}}
QUESTION = "Why did Litvinov's dismissal matter?"
ESSAY = "To what extent was Stalin's foreign policy between 1933 and 1941 driven by fear of Germany?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(teacher: bool) -> tuple[subprocess.Popen, str]:
    port = free_port()
    footnote = Path(sys.executable).with_name("footnote")
    env = {k: v for k, v in os.environ.items() if k != "FOOTNOTE_TEACHER"}
    proc = subprocess.Popen([str(footnote), "app", "--port", str(port), *(["--teacher"] if teacher else [])],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc, f"http://127.0.0.1:{port}"
        time.sleep(0.3)
    proc.kill()
    raise SystemExit("the app did not start")


def settle(page, size: dict) -> None:
    """Close a phone's sidebar and wait for the page to stop moving."""
    if size["width"] < 600:
        close = page.get_by_test_id("stSidebarCollapseButton").locator("button")
        if close.count() and close.first.is_visible():
            close.first.click()
    page.wait_for_timeout(1500)  # animations end; a screenshot is not a test
    page.evaluate("() => { const m = document.querySelector('[data-testid=stMain]'); if (m) m.scrollTo(0, 0); }")
    page.wait_for_timeout(300)


def ask(page, url: str) -> None:
    page.goto(url)
    box = page.get_by_test_id("stChatInputTextArea")
    box.wait_for(timeout=90_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=stChatInputTextArea]').disabled",
                           timeout=90_000)
    box.fill(QUESTION)
    box.press("Enter")
    page.locator("a.fn-ref").first.wait_for(timeout=90_000)
    page.locator("a.fn-ref", has_text="[2]").first.click()
    page.get_by_text("Ask next").wait_for(timeout=60_000)


def essay(page, url: str) -> None:
    page.goto(f"{url}/essay")
    page.get_by_label("Essay question").fill(ESSAY)
    page.get_by_role("button", name="Plan the essay").click()
    page.get_by_role("heading", name="Thesis options").wait_for(timeout=120_000)


def timeline(page, url: str) -> None:
    page.goto(f"{url}/timeline")
    page.get_by_test_id("stVegaLiteChart").wait_for(timeout=90_000)


def revise(page, url: str) -> None:
    page.goto(f"{url}/revise")
    page.get_by_role("button", name="Check").wait_for(timeout=90_000)
    page.get_by_label("Your answer").fill("Stalin")
    page.get_by_role("button", name="Check").click()
    page.get_by_test_id("stExpander").first.wait_for(timeout=60_000)


def sources(page, url: str) -> None:
    page.goto(f"{url}/sources")
    page.get_by_role("tab", name="What cleaning removed").wait_for(timeout=90_000)


def check(page, url: str) -> None:
    page.goto(f"{url}/check")
    page.get_by_role("button", name="Fill in an example").click()
    page.wait_for_timeout(1000)
    page.get_by_role("button", name="Check the answer").click()
    page.get_by_text("Conflicts with the sources").first.wait_for(timeout=120_000)


def evaluation(page, url: str) -> None:
    page.goto(f"{url}/evaluation")
    page.get_by_role("heading", name="Evaluation", exact=True).wait_for(timeout=90_000)
    page.get_by_role("button", name="Run the evaluation").or_(
        page.get_by_role("button", name="Run the evaluation again")).wait_for(timeout=90_000)


STUDENT = {"ask": ask, "essay": essay, "timeline": timeline, "revise": revise, "sources": sources}
TEACHER = {"check": check, "evaluation": evaluation}


def main() -> None:
    from playwright.sync_api import sync_playwright

    runs = ROOT / "eval" / "runs"
    if not runs.is_dir() or not any(runs.iterdir()):
        subprocess.run([str(Path(sys.executable).with_name("footnote")), "eval"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
    apps = {False: start(False), True: start(True)}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for teacher, pages in ((False, STUDENT), (True, TEACHER)):
                url = apps[teacher][1]
                for suffix, size in SIZES.items():
                    for name, drive in pages.items():
                        page = browser.new_page(viewport=size)
                        drive(page, url)
                        settle(page, size)
                        out = DOCS / f"screenshot-{name}{suffix}.png"
                        page.screenshot(path=str(out), full_page=True)
                        print(f"wrote {out.relative_to(ROOT)}", flush=True)
                        page.close()
            browser.close()
    finally:
        for proc, _ in apps.values():
            proc.terminate()


if __name__ == "__main__":
    main()
