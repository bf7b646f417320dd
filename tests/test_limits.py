"""Reliability, round three: work is capped (not only bytes), one file never stops a folder, a copied
project ingests as a no-op, and the index's own troubles are told as they are (ingest/limits.py,
ingest/pipeline.py, ingest/passages.py, ingest/store.py). Real files, the real model."""

from __future__ import annotations

import errno
import io
import random
import shutil
import string
import zipfile

import pytest

from app.cli import main
from ingest.documents import read
from ingest.errors import IndexDamagedError, IndexUnwritableError, NothingIngestedError, TooMuchWorkError
from ingest.passages import PUNKT_CHARS, _pieces, sentence_spans
from ingest.pipeline import ingest
from ingest.settings import Settings
from ingest.store import Index, _translate, live_generation

NORMAL = ("Litvinov and collective security\nMaxim Litvinov argued for collective security against Nazi Germany. "
          "The Soviet Union joined the League of Nations in 1934. Litvinov was dismissed in May 1939.\n")
MUNICH = "Munich\nThe Munich Conference of September 1938 excluded the Soviet Union from the talks.\n"
HOSTILE_510_KB = "Molotov and Litvinov met in 1939. " + "a. " * 170000  # the probe's file, exactly


def write(folder, files: dict[str, str | bytes]):
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return folder


def run(args, monkeypatch, index_dir, capsys):
    monkeypatch.setenv("FOOTNOTE_INDEX_DIR", str(index_dir))
    code = main(args)
    out, err = capsys.readouterr()
    return code, out.splitlines(), err.splitlines()


# --- sentence splitting is linear and bounded --------------------------------------------------------


def test_punkt_reads_a_long_run_in_bounded_pieces_cut_after_a_full_stop():
    text = ("Stalin signed the pact. " * 3000) + ("x" * (3 * PUNKT_CHARS))
    pieces = _pieces(text, 0, len(text))
    assert pieces[0][0] == 0 and pieces[-1][1] == len(text)
    assert all(b - a <= PUNKT_CHARS for a, b in pieces)
    assert all(pieces[i][1] == pieces[i + 1][0] for i in range(len(pieces) - 1))  # nothing lost or repeated
    assert text[pieces[0][1] - 2] == "." and text[pieces[0][1] - 1] == " "  # prose is cut between sentences
    assert _pieces("short. text.", 0, 12) == [(0, 12)]


def test_a_real_paragraph_is_never_cut():
    # The longest paragraph of the corpus and the public articles is 3,706 characters (passages.py).
    assert PUNKT_CHARS >= 5 * 3706


def test_the_probes_510_kb_line_splits_without_a_timeout():
    spans = sentence_spans(HOSTILE_510_KB[: 8 * PUNKT_CHARS])  # eight pieces: the shape, in a test's time
    assert HOSTILE_510_KB[slice(*spans[0])].startswith("Molotov and Litvinov met in 1939.")
    assert spans[-1][1] == 8 * PUNKT_CHARS - 1  # to the last full stop: nothing dropped
    assert all(e - s <= 1000 for s, e in spans)


def test_the_probes_510_kb_file_beside_a_normal_one_is_skipped_in_one_line_and_the_other_ingested(
        tmp_path, monkeypatch, capsys):
    folder = write(tmp_path / "readings", {"hostile.txt": HOSTILE_510_KB, "normal.txt": NORMAL})
    code, out, err = run(["ingest", str(folder)], monkeypatch, tmp_path / "index", capsys)
    assert code == 0, err
    skipped = [line for line in out if line.startswith("skipped ")]
    assert len(skipped) == 1 and "hostile.txt: repeats itself" in skipped[0]
    assert out[-1].startswith("ingested 1 document (") and "; 1 skipped;" in out[-1]
    assert set(Index.open(Settings.from_env()).manifest()) == {"readings-normal"}


def test_a_file_whose_reading_fails_in_any_way_is_skipped_in_one_line_and_the_rest_ingested(
        tmp_path, repo_settings, monkeypatch):
    import ingest.pipeline as pipeline

    real = pipeline.clean

    def clean(text, **kw):
        if "BOOM" in text:
            raise RuntimeError("a bug in a cleaning rule\nwith a second line")
        return real(text, **kw)

    monkeypatch.setattr(pipeline, "clean", clean)
    folder = write(tmp_path / "readings", {"boom.txt": "Boom\nBOOM went the cleaner.\n", "normal.txt": NORMAL})
    summary = ingest([folder], repo_settings, progress=False)
    assert [(s.path.name, s.reason) for s in summary.skipped] == [
        ("boom.txt", "could not be read (RuntimeError: a bug in a cleaning rule)")]
    assert summary.new == ["readings-normal"]


# --- caps on work, not bytes --------------------------------------------------------------------------


def test_a_million_short_lines_are_refused_before_they_are_split_repeated_or_not(tmp_path, repo_settings):
    rng = random.Random(7)
    varied = "\n".join("".join(rng.choices(string.ascii_lowercase, k=2)) for _ in range(1_000_000)) + "\n"
    folder = write(tmp_path / "readings", {"lines.txt": varied, "same.txt": "ab\n" * 1_000_000, "normal.txt": NORMAL})
    summary = ingest([folder], repo_settings, progress=False)
    reasons = {s.path.name: s.reason for s in summary.skipped}
    assert reasons["lines.txt"].startswith("has 1,000,000 lines, more sentences than one reading holds")
    assert reasons["same.txt"].startswith("has 1,000,000 lines") or reasons["same.txt"].startswith("repeats itself")
    assert summary.new == ["readings-normal"] and summary.embedded < 20


def test_a_word_file_that_unpacks_to_too_much_xml_is_refused_before_it_is_parsed(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:p/>" * 3_600_000)  # 21.6 MB of XML in a small file
    path = tmp_path / "bomb.docx"
    path.write_bytes(buffer.getvalue())
    assert path.stat().st_size < 1_000_000
    skipped = read(path, {})
    assert skipped.reason.startswith("holds 21 MB of Word XML (the limit is 20 MB")


def test_an_ingest_over_the_embed_cap_stops_before_embedding_and_leaves_the_index_as_it_was(
        tmp_path, monkeypatch, capsys):
    folder = write(tmp_path / "readings", {"normal.txt": NORMAL, "munich.txt": MUNICH})
    monkeypatch.setenv("FOOTNOTE_MAX_EMBED_TEXTS", "3")
    code, out, err = run(["ingest", str(folder)], monkeypatch, tmp_path / "index", capsys)
    assert code == 2 and len(err) == 1 and not out
    assert "would embed 6 texts" in err[0] and "FOOTNOTE_MAX_EMBED_TEXTS=6" in err[0] and "Nothing was changed" in err[0]
    assert live_generation(Settings.from_env()) is None
    monkeypatch.setenv("FOOTNOTE_MAX_EMBED_TEXTS", "6")
    code, out, err = run(["ingest", str(folder)], monkeypatch, tmp_path / "index", capsys)
    assert code == 0 and "embedded 6 texts" in out[-1]


def test_the_embed_cap_setting_must_be_a_whole_number(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FOOTNOTE_MAX_EMBED_TEXTS", "lots")
    code, out, err = run(["sources"], monkeypatch, tmp_path / "index", capsys)
    assert code == 2 and err == ["footnote: FOOTNOTE_MAX_EMBED_TEXTS must be a whole number above 0 (it is 'lots')."]


@pytest.mark.parametrize("name", ["FOOTNOTE_TOP_K", "FOOTNOTE_CHROMA_PORT"])
def test_a_number_setting_that_is_not_a_number_is_one_line_not_a_traceback(tmp_path, monkeypatch, capsys, name):
    monkeypatch.setenv(name, "five")
    code, out, err = run(["sources"], monkeypatch, tmp_path / "index", capsys)
    assert code == 2 and err == [f"footnote: {name} must be a whole number above 0 (it is 'five')."]


def test_the_cap_is_raised_before_the_new_generation_is_built(tmp_path, repo_settings, monkeypatch):
    import dataclasses

    folder = write(tmp_path / "readings", {"normal.txt": NORMAL})
    with pytest.raises(TooMuchWorkError):
        ingest([folder], dataclasses.replace(repo_settings, max_embed_texts=1), progress=False)
    assert not any(p.name.startswith("g") for p in repo_settings.index_dir.glob("*") if p.is_dir())


def test_a_long_embed_says_how_long_it_expects_before_it_starts(tmp_path, repo_settings, monkeypatch):
    import ingest.pipeline as pipeline

    monkeypatch.setattr(pipeline, "ANNOUNCE_EMBED_TEXTS", 1)
    said = []
    folder = write(tmp_path / "readings", {"normal.txt": NORMAL, "munich.txt": MUNICH})
    summary = ingest([folder], repo_settings, progress=False, log=said.append)
    assert said == ["embedding 6 texts from 2 documents: about 1 s on two cores"]
    assert summary.embedded == 6


# --- where a document sits, and what the index's folder is ---------------------------------------------


def project(root):
    write(root / "corpus" / "raw", {"litvinov.txt": NORMAL, "munich.txt": MUNICH})
    return Settings.from_env(home=root, index_dir=root / ".index")


@pytest.mark.parametrize("manifest", ["relative", "absolute (an index from before)"])
def test_a_copied_project_ingests_as_a_no_op(tmp_path, monkeypatch, manifest):
    import ingest.store as store

    if manifest.startswith("absolute"):
        monkeypatch.setattr(store, "_stored", lambda entry, home: entry)
    first = ingest(None, project(tmp_path / "a"), progress=False)
    assert sorted(first.new) == ["raw-litvinov", "raw-munich"]
    monkeypatch.undo()
    shutil.copytree(tmp_path / "a", tmp_path / "b")  # the original stays where it was
    copy = Settings.from_env(home=tmp_path / "b", index_dir=tmp_path / "b" / ".index")
    again = ingest(None, copy, progress=False)
    assert again.skipped == [] and again.embedded == 0
    assert sorted(again.unchanged) == ["raw-litvinov", "raw-munich"]
    sources = {e.source for e in Index.open(copy).manifest().values()}
    assert all(s.startswith(str(tmp_path / "b")) for s in sources) or manifest.startswith("absolute")


def test_a_different_file_that_would_take_an_indexed_id_is_still_refused(tmp_path, repo_settings):
    write(tmp_path / "x" / "week3", {"notes.txt": NORMAL})
    write(tmp_path / "x-week3", {"notes.txt": MUNICH})
    ingest([tmp_path / "x"], repo_settings, progress=False)
    with pytest.raises(NothingIngestedError) as refused:
        ingest([tmp_path / "x-week3"], repo_settings, progress=False)
    assert "would take the document id 'x-week3-notes'" in str(refused.value)


def test_a_failed_ingest_into_a_new_notebook_leaves_no_notebook_behind(tmp_path, monkeypatch, capsys):
    folder = write(tmp_path / "bad", {"empty.txt": ""})
    code, out, err = run(["ingest", "--notebook", "week9", str(folder)], monkeypatch, tmp_path / "index", capsys)
    assert code == 2 and err == ["footnote: Nothing was ingested: empty.txt is empty"]
    code, out, err = run(["notebooks"], monkeypatch, tmp_path / "index", capsys)
    assert "week9" not in "\n".join(out)
    assert not (tmp_path / "index" / "notebooks" / "week9").exists()


def test_a_read_only_disk_is_told_as_read_only_not_as_damage(repo_settings):
    e = _translate(repo_settings, OSError(errno.EROFS, "Read-only file system", "/mnt/ro/.index/ingest.lock"), True)
    assert isinstance(e, IndexUnwritableError) and not isinstance(e, IndexDamagedError)
    assert "read-only disk" in str(e) and "--rebuild` would fail the same way" in str(e)
    other = _translate(repo_settings, ValueError("file is not a database"))
    assert isinstance(other, IndexDamagedError)
