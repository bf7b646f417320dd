"""A damaged, unreadable or read-only index is one line naming what is wrong and the command that fixes
it, for every command that opens it; `footnote ingest --rebuild` recovers from a damaged one.

Each test works on its own copy of the session's corpus index, so the damage stays there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DOC_IDS, ROOT

from app.cli import main
from ingest.errors import IndexDamagedError
from ingest.pipeline import ingest
from ingest.settings import Settings
from ingest.store import POINTER, Index, live_generation

COMMANDS = (["status"], ["sources"], ["ask", "Why was Litvinov dismissed?"], ["ingest"])


@pytest.fixture
def copy(corpus_index, tmp_path, monkeypatch) -> Settings:
    """A copy of the corpus index (and its project home), which the test may damage."""
    home = tmp_path / "home"
    shutil.copytree(corpus_index.home / "corpus", home / "corpus")
    shutil.copytree(corpus_index.settings.index_dir, home / ".index", ignore=shutil.ignore_patterns("ingest.lock"))
    monkeypatch.setenv("FOOTNOTE_HOME", str(home))
    monkeypatch.setenv("FOOTNOTE_INDEX_DIR", str(home / ".index"))
    return Settings.from_env()


def database(settings: Settings) -> Path:
    return settings.index_dir / live_generation(settings) / "chroma.sqlite3"


def assert_one_line(out: str, err: str, *phrases: str) -> None:
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("footnote: "), err
    assert "Traceback" not in err
    for phrase in phrases:
        assert phrase in err, err


def test_a_truncated_index_is_one_line_naming_the_rebuild_for_every_command(copy, capsys):
    db = database(copy)
    db.write_bytes(db.read_bytes()[:20_000])
    for command in COMMANDS:
        assert main(command) == 2, command
        captured = capsys.readouterr()
        assert_one_line(captured.out, captured.err, "is damaged and cannot be read", "`footnote ingest --rebuild`")


def test_rebuild_recovers_a_truncated_index(copy, capsys):
    db = database(copy)
    db.write_bytes(db.read_bytes()[:20_000])
    summary = ingest(None, copy, rebuild=True, progress=False)
    assert sorted(summary.new) == DOC_IDS
    assert sorted(Index.open(copy).manifest()) == DOC_IDS
    assert main(["status"]) == 0
    assert "documents:  5\n" in capsys.readouterr().out


def test_a_garbled_pointer_or_a_missing_generation_is_a_damaged_index(copy):
    generation = live_generation(copy)
    (copy.index_dir / POINTER).write_text("{not json", encoding="utf-8")
    with pytest.raises(IndexDamagedError, match="live.json is unreadable.*footnote ingest --rebuild"):
        Index.open(copy)
    (copy.index_dir / POINTER).write_text(f'{{"live": "{generation}"}}', encoding="utf-8")
    shutil.rmtree(copy.index_dir / generation)
    with pytest.raises(IndexDamagedError, match=f"its live generation {generation} is missing"):
        Index.open(copy)
    ingest(None, copy, rebuild=True, progress=False)
    assert sorted(Index.open(copy).manifest()) == DOC_IDS


def without_file_permission_override() -> list[str]:
    """A prefix that runs a command without root's power to ignore file permissions, so that a
    read-only folder is read-only to it too."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: file permissions cannot be enforced here")
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search"]


@pytest.mark.parametrize("mode", ["read-only", "unreadable"])
def test_a_read_only_or_unreadable_index_is_one_line_for_every_command(copy, mode):
    prefix = without_file_permission_override()
    folders = [copy.index_dir, *[p for p in copy.index_dir.rglob("*") if p.is_dir()]]
    files = [p for p in copy.index_dir.rglob("*") if p.is_file()]
    try:
        for p in files + folders:
            p.chmod(0o444 if mode == "read-only" and p.is_file() else 0o555 if mode == "read-only" else 0)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        for command in COMMANDS + (["ingest", "--rebuild"],):
            run = subprocess.run([*prefix, sys.executable, "-m", "app.cli", *command], env=env,
                                 capture_output=True, text=True, timeout=120)
            assert run.returncode == 2, (command, run.stdout, run.stderr[-2000:])
            assert_one_line(run.stdout, run.stderr, "permission denied", "FOOTNOTE_INDEX_DIR")
    finally:
        for p in folders + files:
            p.chmod(0o755 if p.is_dir() else 0o644)


def test_an_index_from_before_generations_says_to_ingest_and_ingest_replaces_it(copy, capsys):
    generation = live_generation(copy)
    for child in (copy.index_dir / generation).iterdir():  # the old layout: the database in the folder itself
        shutil.move(child, copy.index_dir / child.name)
    (copy.index_dir / generation).rmdir()
    (copy.index_dir / POINTER).unlink()
    assert main(["status"]) == 2
    captured = capsys.readouterr()
    assert_one_line(captured.out, captured.err, "built by an older version of Footnote", "`footnote ingest`")
    ingest(None, copy, progress=False)
    assert sorted(Index.open(copy).manifest()) == DOC_IDS
    assert not (copy.index_dir / "chroma.sqlite3").exists(), "the old index was left behind"
