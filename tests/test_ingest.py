"""Ingest end to end with the real model: the corpus index, incremental re-ingest, crashes, bad inputs,
model mismatch and the `footnote ingest / sources / status` commands.

The corpus is embedded once per session (`corpus_index`); tests that edit or remove documents build
their own small index in a temporary folder, so the repository is never written.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import CORPUS, DOC_IDS, SOURCES, clean_text, is_notes

from app.cli import main
from ingest.errors import ModelMismatchError, NoIndexError, NothingIngestedError
from ingest.passages import split_passages
from ingest.pipeline import ingest
from ingest.settings import Settings
from ingest.store import GENERATION, Index, live_generation

OPENING = SOURCES["stalin-fp-1925-1945-opening"]

READINGS = {
    "rapallo.txt": "The Treaty of Rapallo\nGermany and Soviet Russia signed the Treaty of Rapallo in April 1922. "
                   "It ended the diplomatic isolation of both countries. Secret military cooperation followed.\n",
    "litvinov.txt": "Litvinov and collective security\nMaxim Litvinov argued for collective security against Nazi "
                    "Germany. The Soviet Union joined the League of Nations in 1934. Litvinov was dismissed in May 1939.\n",
    "munich.txt": "Munich\nThe Munich Conference of September 1938 excluded the Soviet Union. Stalin concluded that "
                  "the Western powers would not stand up to Hitler.\n",
}


def write(folder: Path, files: dict[str, str | bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        if isinstance(content, bytes):
            (folder / name).write_bytes(content)
        else:
            (folder / name).write_text(content, encoding="utf-8")
    return folder


def copy_raw(folder: Path, *infos) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for info in infos:
        shutil.copy(CORPUS / "raw" / info.file, folder / info.file)
    return folder


def quiet_ingest(paths, settings, **kw):
    return ingest(paths, settings, progress=False, **kw)


def every_record(settings: Settings) -> dict:
    """Every record in the collection, live or not."""
    return Index.open(settings).collection.get(include=["metadatas", "documents"])


def live_count(index: Index) -> int:
    return sum(len(index.records(kind)["ids"]) for kind in ("document", "passage", "sentence"))


def snapshot(settings: Settings) -> tuple:
    """What a reader of the index sees: the manifest and every live record."""
    index = Index.open(settings)
    live = {kind: sorted(zip(r["ids"], r["documents"], strict=True))
            for kind in ("document", "passage", "sentence") for r in [index.records(kind)]}
    return index.manifest(), live


def other_model(tmp_path: Path) -> str:
    """The same model files in a folder with another name: to Footnote, another model."""
    folder = tmp_path / "paraphrase-minilm"
    folder.symlink_to(Settings().embed_model, target_is_directory=True)
    return str(folder)


# --- the corpus index -------------------------------------------------------------------------------


def test_first_ingest_indexes_every_document_of_the_corpus(corpus_index):
    s = corpus_index.summary
    assert sorted(s.new) == DOC_IDS
    assert s.updated == s.unchanged == s.removed == s.skipped == []
    index = Index.open(corpus_index.settings)
    manifest = index.manifest()
    assert sorted(manifest) == DOC_IDS
    assert {d: e.title for d, e in manifest.items()} == {d: SOURCES[d].title for d in DOC_IDS}
    assert s.passages == sum(e.passages for e in manifest.values()) == len(index.records("passage")["ids"])
    assert s.embedded == len(index.records("passage")["ids"]) + len(index.records("sentence")["ids"])


def test_index_remembers_the_model_it_was_built_with(corpus_index):
    info = Index.open(corpus_index.settings).info
    assert info["embed_model"] == "all-MiniLM-L6-v2"
    assert info["embed_dim"] == 384


def test_indexed_passages_are_the_passages_of_the_clean_text_with_exact_offsets(corpus_index, doc_id):
    index = Index.open(corpus_index.settings)
    text = clean_text(doc_id)
    doc = index.collection.get(where={"$and": [{"kind": "document"}, {"doc_id": doc_id}]}, include=["documents"])
    assert doc["documents"] == [text]
    expected = split_passages(doc_id, text, notes=is_notes(doc_id),
                              max_sentences=corpus_index.settings.passage_max_sentences,
                              max_chars=corpus_index.settings.passage_max_chars)
    got = index.records("passage")
    mine = sorted((m["passage_id"], m["start"], m["end"], d) for m, d in zip(got["metadatas"], got["documents"], strict=True)
                  if m["doc_id"] == doc_id)
    assert mine == [(p.id, p.start, p.end, p.text) for p in expected]
    sentences = index.records("sentence")
    for m, d in zip(sentences["metadatas"], sentences["documents"], strict=True):
        if m["doc_id"] == doc_id:
            assert text[m["start"] : m["end"]] == d


def test_ingest_writes_the_clean_copies_of_the_shipped_corpus(corpus_index, doc_id):
    written = corpus_index.home / "corpus" / "clean" / f"{doc_id}.txt"
    assert written.read_text(encoding="utf-8") == clean_text(doc_id)


def test_analysis_questions_are_kept_out_of_the_evidence_but_stored_with_their_document(corpus_index):
    index = Index.open(corpus_index.settings)
    for kind in ("passage", "sentence"):
        assert not [d for d in index.records(kind)["documents"] if "Why is Soviet foreign policy described" in d]
    doc = index.collection.get(where={"$and": [{"kind": "document"}, {"doc_id": "soviet-fp-1919-1945"}]},
                               include=["metadatas"])
    questions = json.loads(doc["metadatas"][0]["questions"])
    assert len(questions) == 13 and questions[0].startswith("1. Why is Soviet foreign policy")


def test_no_boilerplate_is_indexed(corpus_index):
    index = Index.open(corpus_index.settings)
    texts = index.records("passage")["documents"] + index.records("sentence")["documents"]
    for junk in ("read more", "£", "per month", "Emma Taylor", "cookies", "JavaScript", "Warren Report", "Kennan",
                 "Views:", "Order Now", "|", "Related", "14 : 59 : 59"):
        assert not [t for t in texts if junk in t], f"{junk!r} is in the index"


def test_document_records_say_what_cleaning_removed_and_the_submission_metadata(corpus_index):
    index = Index.open(corpus_index.settings)
    docs = index.records("document")
    meta = {m["doc_id"]: m for m in docs["metadatas"]}
    removed = {r["rule"]: r for r in json.loads(meta["stalin-aims-successes-failures"]["removed"])}
    assert "Emma Taylor" in removed["chat_widget"]["removed"]
    assert json.loads(meta["stalin-fp-1925-1945-opening"]["extra"])["submitted_by"] == "mattman123"
    assert meta["stalin-fp-mind-map"]["source_kind"] == "mind map"


def test_reingest_of_unchanged_corpus_embeds_nothing(corpus_index):
    before = snapshot(corpus_index.settings)
    count = Index.open(corpus_index.settings).collection.count()
    summary = quiet_ingest(None, corpus_index.settings)
    assert summary.embedded == 0
    assert sorted(summary.unchanged) == DOC_IDS
    assert summary.new == summary.updated == summary.removed == []
    assert snapshot(corpus_index.settings) == before
    assert Index.open(corpus_index.settings).collection.count() == count


# --- incremental ingest -----------------------------------------------------------------------------


def test_editing_a_real_document_reembeds_only_that_document_and_replaces_its_passages(tmp_path, repo_settings):
    folder = copy_raw(tmp_path / "readings", OPENING)
    write(folder, {"rapallo.txt": READINGS["rapallo.txt"]})
    quiet_ingest([folder], repo_settings)
    untouched = snapshot(repo_settings)[1]
    old = "Litvinov was active in the League and he was hopeful it could be an affective body."
    new = "Litvinov was very active in the League, and he hoped it could be an effective body."
    f = folder / OPENING.file
    f.write_text(f.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")

    summary = quiet_ingest([folder], repo_settings)

    assert summary.updated == [OPENING.id]
    assert summary.unchanged == ["readings-rapallo"]
    index = Index.open(repo_settings)
    live = Counter(m["doc_id"] for kind in ("passage", "sentence") for m in index.records(kind)["metadatas"])
    assert summary.embedded == live[OPENING.id]
    everything = every_record(repo_settings)
    texts = [d for d, m in zip(everything["documents"], everything["metadatas"], strict=True)
             if m["doc_id"] == OPENING.id]
    assert any(new in t for t in texts)
    assert not any(old in t for t in texts), "an old record of the edited document is still in the collection"
    assert {m["doc_key"] for m in everything["metadatas"] if m["doc_id"] == OPENING.id} == {
        index.manifest()[OPENING.id].key}
    after = snapshot(repo_settings)[1]
    for kind in after:
        neighbour = [r for r in after[kind] if r[0].startswith("readings-rapallo@")]
        assert neighbour and neighbour == [r for r in untouched[kind] if r[0].startswith("readings-rapallo@")]
    assert index.collection.count() == live_count(index)


def test_removing_a_file_from_an_ingested_folder_removes_its_document(tmp_path, repo_settings):
    folder = write(tmp_path / "readings", READINGS)
    quiet_ingest([folder], repo_settings)
    (folder / "munich.txt").unlink()

    summary = quiet_ingest([folder], repo_settings)

    assert summary.removed == ["readings-munich"]
    assert summary.embedded == 0
    assert sorted(Index.open(repo_settings).manifest()) == ["readings-litvinov", "readings-rapallo"]
    assert not [m for m in every_record(repo_settings)["metadatas"] if m["doc_id"] == "readings-munich"]


def test_ingesting_one_file_leaves_the_other_documents_alone(tmp_path, repo_settings):
    folder = write(tmp_path / "readings", READINGS)
    quiet_ingest([folder], repo_settings)
    extra = write(tmp_path / "more", {"yalta.txt": "Yalta\nThe Big Three met at Yalta in February 1945.\n"})

    summary = quiet_ingest([extra / "yalta.txt"], repo_settings)

    assert summary.new == ["more-yalta"] and summary.removed == []
    assert sorted(Index.open(repo_settings).manifest()) == [
        "more-yalta", "readings-litvinov", "readings-munich", "readings-rapallo"]


def generations(settings: Settings) -> list[str]:
    return sorted(p.name for p in settings.index_dir.iterdir() if GENERATION.match(p.name))


def test_a_crash_while_adding_records_leaves_the_previous_index_served_and_the_next_ingest_drops_the_half_build(
        tmp_path, repo_settings, monkeypatch):
    folder = write(tmp_path / "readings", READINGS)
    quiet_ingest([folder], repo_settings)
    before, live = snapshot(repo_settings), live_generation(repo_settings)
    write(folder, {"litvinov.txt": READINGS["litvinov.txt"] + "Molotov replaced him.\n",
                   "rapallo.txt": READINGS["rapallo.txt"] + "The treaty alarmed Britain and France.\n"})
    real_add, calls = Index.add, []

    def add_then_crash(self, nodes):
        calls.append(len(nodes))
        if len(calls) > 1:
            raise RuntimeError("simulated crash: the machine lost power")
        real_add(self, nodes)

    monkeypatch.setattr(Index, "add", add_then_crash)
    with pytest.raises(RuntimeError, match="simulated crash"):
        quiet_ingest([folder], repo_settings)
    monkeypatch.undo()

    assert snapshot(repo_settings) == before, "a crashed ingest changed what readers see"
    assert live_generation(repo_settings) == live
    half = [g for g in generations(repo_settings) if g != live]
    assert len(half) == 1  # the crashed run's generation, never made live

    summary = quiet_ingest([folder], repo_settings)

    assert sorted(summary.updated) == ["readings-litvinov", "readings-rapallo"]
    assert generations(repo_settings) == sorted([live, live_generation(repo_settings)]), "the half build was kept"
    index = Index.open(repo_settings)
    assert index.collection.count() == live_count(index)
    assert any("Molotov replaced him." in d for d in index.records("sentence")["documents"])


def test_an_interrupt_before_the_switch_leaves_the_previous_index_served_and_the_next_ingest_drops_the_half_build(
        tmp_path, repo_settings, monkeypatch, capsys):
    folder = write(tmp_path / "readings", READINGS)
    quiet_ingest([folder], repo_settings)
    before, live = snapshot(repo_settings), live_generation(repo_settings)
    write(folder, {"munich.txt": READINGS["munich.txt"] + "Chamberlain flew home.\n"})

    def interrupted(self, manifest):
        raise KeyboardInterrupt

    monkeypatch.setattr(Index, "commit", interrupted)
    monkeypatch.setenv("FOOTNOTE_INDEX_DIR", str(repo_settings.index_dir))
    assert main(["ingest", str(folder)]) == 130
    err = capsys.readouterr().err
    assert err == "footnote: interrupted; the index is as it was before this command\n"
    monkeypatch.undo()

    assert snapshot(repo_settings) == before
    assert len(generations(repo_settings)) == 2  # the live one and the interrupted build

    write(folder, READINGS)  # the edit is undone: nothing to embed, nothing to switch, the half build goes
    summary = quiet_ingest([folder], repo_settings)
    assert summary.embedded == 0 and summary.updated == []
    assert snapshot(repo_settings) == before
    assert generations(repo_settings) == [live]


def test_a_second_ingest_while_one_is_writing_is_refused_in_one_line(tmp_path, repo_settings, monkeypatch, capsys):
    import fcntl

    folder = write(tmp_path / "readings", READINGS)
    repo_settings.index_dir.mkdir(parents=True)
    with (repo_settings.index_dir / "ingest.lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        monkeypatch.setenv("FOOTNOTE_INDEX_DIR", str(repo_settings.index_dir))
        assert main(["ingest", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("footnote: Another `footnote ingest` is writing the index") and err.count("\n") == 1


# --- bad inputs -------------------------------------------------------------------------------------


def bad_folder(tmp_path: Path) -> Path:
    folder = copy_raw(tmp_path / "readings", OPENING)
    shutil.copy(folder / OPENING.file, folder / "copy of the opening.txt")
    return write(folder, {
        "empty.txt": "",
        "scan.txt": b"\x00\x01\x02\x03binary\x00" * 100,
        "slides.pptx": b"PK\x03\x04",
        "word paste.txt": b"Litvinov called the pact a \x93betrayal\x94 of collective security.\n",
        "Litvinov.md": "Litvinov\nLitvinov spoke at the League of Nations in 1934.\n",
        "litvinov.txt": "Litvinov\nLitvinov was dismissed in May 1939.\n",
    })


def test_bad_inputs_in_a_folder_are_skipped_with_a_reason_and_the_rest_ingested(tmp_path, repo_settings):
    summary = quiet_ingest([bad_folder(tmp_path)], repo_settings)
    reasons = {s.path.name: s.reason for s in summary.skipped}
    assert reasons == {
        "empty.txt": "is empty",
        "scan.txt": "looks like a binary file, not text",
        "slides.pptx": "not a .txt, .md, .html, .pdf or .docx file (.pptx)",
        "copy of the opening.txt": f"has the same text as {OPENING.file}",
        "litvinov.txt": "has the same document id 'readings-litvinov' as Litvinov.md; rename one of them",
    }
    assert sorted(summary.new) == sorted([OPENING.id, "readings-word-paste", "readings-litvinov"])
    assert summary.notes == ["word paste.txt: not UTF-8: read as windows-1252"]
    sentences = Index.open(repo_settings).records("sentence")["documents"]
    assert "Litvinov called the pact a “betrayal” of collective security." in sentences


def test_cli_ingest_prints_one_line_per_skipped_file_and_exits_zero(tmp_path, repo_settings, monkeypatch, capsys):
    monkeypatch.setenv("FOOTNOTE_INDEX_DIR", str(repo_settings.index_dir))
    assert main(["ingest", str(bad_folder(tmp_path))]) == 0
    out = capsys.readouterr().out.splitlines()
    skipped = [line for line in out if line.startswith("skipped ")]
    assert len(skipped) == 5
    assert any(line.endswith("empty.txt: is empty") for line in skipped)
    assert [line for line in out if line.startswith("note ")] == [
        "note    word paste.txt: not UTF-8: read as windows-1252"]
    assert out[-1].startswith("ingested 3 documents (") and ": 3 new;" in out[-1] and "; 5 skipped;" in out[-1]
    assert "; the index holds 3 documents, " in out[-1]


def test_cli_ingest_says_what_this_run_read_and_what_the_index_holds_in_singular_and_plural(
        tmp_path, repo_settings, monkeypatch, capsys):
    monkeypatch.setenv("FOOTNOTE_INDEX_DIR", str(repo_settings.index_dir))
    folder = write(tmp_path / "readings", READINGS)
    assert main(["ingest", str(folder)]) == 0
    capsys.readouterr()
    yalta = write(tmp_path / "more", {"yalta.txt": "Yalta\nThe Big Three met at Yalta in February 1945.\n"})
    assert main(["ingest", str(yalta / "yalta.txt")]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    holds = sum(e.passages for e in Index.open(repo_settings).manifest().values())
    assert last.startswith("ingested 1 document (1 passage): 1 new; embedded ")
    assert f"; the index holds 4 documents, {holds} passages; " in last


def test_cli_ingest_of_nothing_usable_exits_non_zero_with_a_one_line_message(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FOOTNOTE_INDEX_DIR", str(tmp_path / "index"))
    folder = write(tmp_path / "readings", {"empty.txt": "", "scan.txt": b"\x00\x01binary\x00" * 10})
    assert main(["ingest", str(folder)]) == 2
    captured = capsys.readouterr()
    assert captured.err == ("footnote: Nothing was ingested: empty.txt is empty; "
                            "scan.txt looks like a binary file, not text\n")
    assert main(["ingest", str(tmp_path / "no-such-folder")]) == 2
    err = capsys.readouterr().err
    assert err == "footnote: Nothing was ingested: no-such-folder does not exist\n"
    assert "Traceback" not in captured.out + captured.err


def test_ingest_of_nothing_usable_raises_nothing_ingested(tmp_path, repo_settings):
    folder = write(tmp_path / "readings", {"empty.txt": ""})
    with pytest.raises(NothingIngestedError, match="empty.txt is empty"):
        quiet_ingest([folder], repo_settings)


# --- the index remembers its model ------------------------------------------------------------------


def test_opening_the_index_with_another_model_is_a_clear_error(corpus_index, tmp_path):
    settings = replace(corpus_index.settings, embed_model=other_model(tmp_path))
    with pytest.raises(ModelMismatchError) as e:
        Index.open(settings)
    message = str(e.value)
    assert "all-MiniLM-L6-v2 (384 dimensions)" in message
    assert "paraphrase-minilm (384 dimensions)" in message
    assert "Re-ingest with `footnote ingest --rebuild`" in message


def test_ingesting_with_another_model_is_refused_and_leaves_the_index_as_it_was(corpus_index, tmp_path):
    before = snapshot(corpus_index.settings)
    settings = replace(corpus_index.settings, embed_model=other_model(tmp_path))
    with pytest.raises(ModelMismatchError):
        quiet_ingest(None, settings)
    assert snapshot(corpus_index.settings) == before


def test_cli_reports_a_model_mismatch_in_one_line_with_exit_code_2(corpus_index, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FOOTNOTE_HOME", str(corpus_index.home))
    monkeypatch.setenv("FOOTNOTE_INDEX_DIR", str(corpus_index.settings.index_dir))
    monkeypatch.setenv("FOOTNOTE_EMBED_MODEL", other_model(tmp_path))
    for command in (["sources"], ["status"], ["ingest"]):
        assert main(command) == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        assert captured.err.count("\n") == 1
        assert captured.err.startswith("footnote: The index was built with the embedding model all-MiniLM-L6-v2")
        assert "footnote ingest --rebuild" in captured.err


def test_rebuild_with_another_model_starts_the_index_afresh(tmp_path, repo_settings):
    folder = write(tmp_path / "readings", READINGS)
    quiet_ingest([folder], repo_settings)
    settings = replace(repo_settings, embed_model=other_model(tmp_path))

    summary = quiet_ingest([folder], settings, rebuild=True)

    assert sorted(summary.new) == ["readings-litvinov", "readings-munich", "readings-rapallo"]
    index = Index.open(settings)
    assert index.info["embed_model"] == "paraphrase-minilm"
    assert index.collection.count() == live_count(index)


# --- the sources and status commands ----------------------------------------------------------------


def test_footnote_sources_lists_the_five_documents_with_titles_and_passage_counts(corpus_index, monkeypatch, capsys):
    monkeypatch.setenv("FOOTNOTE_HOME", str(corpus_index.home))
    monkeypatch.setenv("FOOTNOTE_INDEX_DIR", str(corpus_index.settings.index_dir))
    assert main(["sources"]) == 0
    out = capsys.readouterr().out.splitlines()
    manifest = Index.open(corpus_index.settings).manifest()
    assert len(out) == 6
    for line, doc_id in zip(out, DOC_IDS, strict=False):
        assert line.startswith(doc_id)
        assert f" {manifest[doc_id].passages} passages " in line
        assert line.endswith(SOURCES[doc_id].title)
    assert out[-1] == f"5 documents, {sum(e.passages for e in manifest.values())} passages"


def test_footnote_status_says_where_the_index_is_and_what_it_holds(corpus_index, monkeypatch, capsys):
    monkeypatch.setenv("FOOTNOTE_HOME", str(corpus_index.home))
    monkeypatch.setenv("FOOTNOTE_INDEX_DIR", str(corpus_index.settings.index_dir))
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert f"index:      {corpus_index.settings.where}" in out and ".index (collection 'footnote')" in out
    assert "model:      all-MiniLM-L6-v2 (384 dimensions)" in out
    assert "documents:  5\n" in out


def test_reading_an_index_that_was_never_built_says_to_run_ingest(tmp_path, monkeypatch, capsys):
    settings = Settings.from_env(index_dir=tmp_path / "nothing-here")
    with pytest.raises(NoIndexError, match="Run `footnote ingest`"):
        Index.open(settings)
    monkeypatch.setenv("FOOTNOTE_INDEX_DIR", str(tmp_path / "nothing-here"))
    assert main(["sources"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("footnote: No index yet at") and err.count("\n") == 1


def test_settings_from_env_takes_overrides_over_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("FOOTNOTE_INDEX_DIR", str(tmp_path / "from-env"))
    monkeypatch.setenv("FOOTNOTE_TOP_K", "8")
    assert Settings.from_env().index_dir == tmp_path / "from-env"
    s = Settings.from_env(index_dir=tmp_path / "override")
    assert s.index_dir == tmp_path / "override" and s.top_k == 8


def test_settings_from_env_with_another_home_keeps_the_index_in_that_home(tmp_path):
    s = Settings.from_env(home=tmp_path)
    assert s.index_dir == tmp_path / ".index"
    assert s.raw_dir == tmp_path / "corpus" / "raw" and s.clean_dir == tmp_path / "corpus" / "clean"


def test_embeddings_come_back_in_the_order_of_their_texts(corpus_index):
    from ingest.embed import embed_texts, embedder

    model = embedder(corpus_index.settings.embed_model)
    texts = [clean_text("soviet-fp-1919-1945")[:600], "Litvinov.", "Molotov replaced Litvinov in May 1939."]
    together = embed_texts(model, texts)
    for text, vector in zip(texts, together, strict=True):
        alone = embed_texts(model, [text])[0]
        assert sum(a * b for a, b in zip(vector, alone, strict=True)) > 0.999
