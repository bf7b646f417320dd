"""Notebooks and uploads: each notebook answers only from its own sources, the default notebook keeps
answering the shipped corpus from the index as it was, a PDF's footnote says its page, and adding,
editing and removing documents (as the app does) keeps every promise ingest makes: bad files are told
in one line, the same reading is not added twice, a taken id gets a new one, nothing is lost."""

from __future__ import annotations

import json
import shutil

import pytest
from documents_factory import make_docx, make_pdf
from test_formats import PAGE_1, PAGE_2, PAGE_3

from app.cli import main
from app.engine import Engine
from app.jobs.render import answer_markdown, answer_text
from ingest import notebooks, uploads
from ingest.errors import FootnoteError
from ingest.pipeline import ingest
from ingest.settings import BadNotebookNameError, Settings
from ingest.store import Index, live_generation

WORD = [("Heading 1", "The Spanish Civil War"),
        ("", "The Soviet Union sent tanks and aircraft to the Spanish Republic from October 1936."),
        ("", "Stalin demanded payment in gold from the Spanish reserves, which were shipped to Odessa.")]
LITVINOV = "When was Litvinov dismissed?"
SPAIN = "What did the Soviet Union send to the Spanish Republic?"


@pytest.fixture(scope="module")
def classes(corpus_index, tmp_path_factory):
    """A copy of the shipped corpus's index (the default notebook, as an existing user has it) with two
    notebooks beside it: 'pact' holds a PDF, 'spain' a Word file."""
    root = tmp_path_factory.mktemp("classes")
    shutil.copytree(corpus_index.settings.index_dir, root / "index", ignore=shutil.ignore_patterns("ingest.lock"))
    base = Settings.from_env(home=corpus_index.home, index_dir=root / "index")
    files = root / "files"
    files.mkdir()
    pact = base.with_notebook("pact")
    uploads.add_files([("reading.pdf", make_pdf(files / "reading.pdf", [PAGE_1, PAGE_2, PAGE_3]).read_bytes())], pact)
    spain = base.with_notebook("spain")
    uploads.add_files([("spain.docx", make_docx(files / "spain.docx", WORD).read_bytes())], spain)
    return base, pact, spain


def test_a_citation_into_page_2_says_p_2_in_json_text_and_markdown(classes):
    _, pact, _ = classes
    answer = Engine.load(pact).ask(LITVINOV)
    c = answer.citations[0]
    assert not answer.abstained and c.doc_id == "reading" and "Litvinov was dismissed" in c.quote
    assert c.to_json()["page"] == 2 and c.label.endswith(", p. 2")
    assert ", p. 2 (your document)" in answer_text(answer)
    assert ", p. 2 (your document)" in answer_markdown(answer)


def test_two_notebooks_answer_only_from_their_own_sources(classes):
    base, pact, spain = classes
    spain_engine, pact_engine = Engine.load(spain), Engine.load(pact)
    assert set(spain_engine.library.docs) == {"spain"} and set(pact_engine.library.docs) == {"reading"}
    answer = spain_engine.ask(SPAIN)
    assert not answer.abstained and {c.doc_id for c in answer.citations} == {"spain"}
    assert all("page" not in c.to_json() for c in answer.citations)  # a Word file has no pages
    assert {c.doc_id for c in pact_engine.ask(SPAIN).citations} <= {"reading"}
    assert {c.doc_id for c in spain_engine.ask(LITVINOV).citations} <= {"spain"}


def test_the_default_notebook_still_answers_the_shipped_corpus_from_the_index_as_it_was(classes, corpus_index):
    base, _, _ = classes
    assert live_generation(base) == live_generation(corpus_index.settings)  # nothing re-ingested
    answer = Engine.load(base).ask("Why did Litvinov's dismissal matter?")
    shipped = set(Index.open(corpus_index.settings).manifest())
    assert not answer.abstained and {c.doc_id for c in answer.citations} <= shipped


def test_an_index_written_before_notebooks_reads_and_reingests_without_embedding(tmp_path, repo_settings):
    folder = tmp_path / "readings"
    folder.mkdir()
    (folder / "a.txt").write_text("Rapallo\nThe Treaty of Rapallo was signed in April 1922.\n", encoding="utf-8")
    ingest([folder], repo_settings, progress=False)
    index = Index.open(repo_settings)
    old = {d: {k: v for k, v in vars(e).items() if k in ("key", "title", "kind", "passages", "source")}
           for d, e in index.manifest().items()}
    meta = index.info
    meta.pop("hnsw:space", None)
    index.collection.modify(metadata={**meta, "manifest": json.dumps(old)})  # the manifest as older versions wrote it
    assert Index.open(repo_settings).manifest()["readings-a"].text == ""
    assert ingest([folder], repo_settings, progress=False).embedded == 0


def test_footnote_notebooks_lists_each_notebook_with_its_counts(classes, monkeypatch, capsys):
    base, _, _ = classes
    monkeypatch.setenv("FOOTNOTE_INDEX_DIR", str(base.index_dir))
    monkeypatch.setenv("FOOTNOTE_HOME", str(base.home))
    assert main(["notebooks"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == ["default", "pact", "spain"]
    assert "1 document" in lines[1] and "5 passages" in lines[1]


def test_ask_with_notebook_reads_that_notebook_and_an_unknown_one_is_one_line(classes, monkeypatch, capsys):
    base, _, _ = classes
    monkeypatch.setenv("FOOTNOTE_INDEX_DIR", str(base.index_dir))
    monkeypatch.setenv("FOOTNOTE_HOME", str(base.home))
    assert main(["ask", "--json", "--notebook", "pact", LITVINOV]) == 0
    assert json.loads(capsys.readouterr().out)["citations"][0]["page"] == 2
    assert main(["ask", "--notebook", "nope", LITVINOV]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "There is no notebook 'nope'" in err


@pytest.mark.parametrize("name", ["../x", "a/b", " ", "Class A", ".hidden", "x" * 41, "a--b", "nul\x00"])
def test_a_notebook_name_that_could_climb_out_of_the_index_folder_is_refused(name):
    with pytest.raises(BadNotebookNameError, match="cannot be a notebook name"):
        Settings.from_env().with_notebook(name)


def test_removing_a_notebook_asks_first_and_the_default_one_is_never_removed(tmp_path, monkeypatch, capsys):
    base = Settings.from_env(index_dir=tmp_path / "index")
    notebooks.create(base, "old-class")
    monkeypatch.setenv("FOOTNOTE_INDEX_DIR", str(base.index_dir))
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert main(["notebooks", "--remove", "old-class"]) == 2
    assert "add --yes" in capsys.readouterr().err and notebooks.exists(base, "old-class")
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    assert main(["notebooks", "--remove", "old-class"]) == 1 and notebooks.exists(base, "old-class")
    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    assert main(["notebooks", "--remove", "old-class"]) == 0
    assert not notebooks.exists(base, "old-class") and not (base.notebooks_dir / "old-class").exists()
    with pytest.raises(FootnoteError, match="cannot be removed"):
        notebooks.remove(base, "default")


# --- uploads, as the app makes them --------------------------------------------------------------


@pytest.fixture
def upload_nb(tmp_path):
    return Settings.from_env(index_dir=tmp_path / "index").with_notebook("uploads-test")


def test_uploads_are_kept_in_the_notebooks_folder_and_bad_ones_say_why_in_one_line(upload_nb, tmp_path):
    pdf = make_pdf(tmp_path / "r.pdf", [PAGE_1, PAGE_2]).read_bytes()
    added = uploads.add_files([("../../r.pdf", pdf), ("scan.pdf", b"%PDF-1.4\n%%EOF\n"), ("x.pptx", b"PK"),
                               ("again.pdf", pdf)], upload_nb)
    assert added.doc_ids == ["r"]
    assert (upload_nb.uploads_dir / "r.pdf").read_bytes() == pdf and not (tmp_path / "r.pdf.txt").exists()
    assert sorted(p.name for p in upload_nb.uploads_dir.iterdir()) == ["r.pdf"]
    assert added.messages[0].startswith("skipped scan.pdf: is not a readable PDF")
    assert added.messages[1] == "skipped x.pptx: not a .txt, .md, .html, .pdf or .docx file (.pptx)"
    assert added.messages[2] == ("skipped again.pdf: has the same text as 'R' (r), already in this notebook; "
                                 "nothing added")
    again = uploads.add_files([("copy.pdf", pdf)], upload_nb)
    assert again.doc_ids == [] and "already in this notebook" in again.messages[0]


def test_an_upload_whose_name_takes_an_indexed_id_gets_a_new_id_and_says_so(upload_nb, tmp_path):
    uploads.add_files([("notes.txt", b"Rapallo\nThe Treaty of Rapallo was signed in April 1922.\n")], upload_nb)
    added = uploads.add_files([("notes.docx", make_docx(tmp_path / "n.docx", WORD).read_bytes())], upload_nb)
    assert added.doc_ids == ["notes-2"]
    assert added.messages == ["notes.docx: the id 'notes' belongs to 'Rapallo'; added as 'notes-2'"]
    assert set(Index.open(upload_nb).manifest()) == {"notes", "notes-2"}


def test_editing_a_documents_details_embeds_nothing_and_reaches_its_citations(upload_nb, tmp_path):
    uploads.add_files([("r.pdf", make_pdf(tmp_path / "r.pdf", [PAGE_1, PAGE_2]).read_bytes())], upload_nb)
    summary = uploads.edit_document("r", upload_nb, title="Soviet diplomacy", kind="textbook",
                                    reliability="A school textbook, 2019.")
    assert summary.embedded == 0 and summary.updated == ["r"]
    doc = Engine.load(upload_nb).library.docs["r"]
    assert (doc.title, doc.kind, doc.reliability) == ("Soviet diplomacy", "textbook", "A school textbook, 2019.")
    assert Engine.load(upload_nb).ask(LITVINOV).citations[0].label == "Soviet diplomacy, p. 2"
    # kept with the notebook: an ingest of its uploads later keeps them
    assert ingest(None, upload_nb, progress=False).embedded == 0
    assert Index.open(upload_nb).manifest()["r"].title == "Soviet diplomacy"


def test_a_removed_document_leaves_the_index_and_its_file_waits_in_the_trash_until_the_next_ingest(upload_nb, tmp_path):
    uploads.add_files([("r.pdf", make_pdf(tmp_path / "r.pdf", [PAGE_1, PAGE_2]).read_bytes()),
                       ("s.docx", make_docx(tmp_path / "s.docx", WORD).read_bytes())], upload_nb)
    said = uploads.remove_document("r", upload_nb)
    assert "trash" in said
    index = Index.open(upload_nb)
    assert set(index.manifest()) == {"s"} and not [m for m in index.records("sentence")["metadatas"]
                                                   if m["doc_id"] == "r"]
    assert (upload_nb.trash_dir / "r.pdf").exists() and not (upload_nb.uploads_dir / "r.pdf").exists()
    uploads.add_files([("t.txt", b"Munich\nThe Munich agreement was signed in September 1938.\n")], upload_nb)
    assert not upload_nb.trash_dir.exists()
    with pytest.raises(FootnoteError, match="holds no document r"):
        uploads.remove_document("r", upload_nb)


def test_an_upload_interrupted_halfway_leaves_the_previous_index_and_the_next_ingest_completes_it(
        upload_nb, tmp_path, monkeypatch):
    uploads.add_files([("s.docx", make_docx(tmp_path / "s.docx", WORD).read_bytes())], upload_nb)
    live = live_generation(upload_nb)

    def interrupted(self, manifest):
        raise KeyboardInterrupt

    monkeypatch.setattr(Index, "commit", interrupted)
    with pytest.raises(KeyboardInterrupt):
        uploads.add_files([("r.pdf", make_pdf(tmp_path / "r.pdf", [PAGE_1, PAGE_2]).read_bytes())], upload_nb)
    monkeypatch.undo()
    assert live_generation(upload_nb) == live and set(Index.open(upload_nb).manifest()) == {"s"}
    assert (upload_nb.uploads_dir / "r.pdf").exists()
    summary = ingest(None, upload_nb, progress=False)
    assert summary.new == ["r"] and set(Index.open(upload_nb).manifest()) == {"r", "s"}


def test_every_command_that_reads_an_index_takes_notebook_and_ingest_without_a_path_says_what_to_give(
        tmp_path, monkeypatch, capsys):
    from app.cli import parser

    for command in (["ingest"], ["ask", "q"], ["eval"], ["sources"], ["status"], ["app"]):
        assert parser().parse_args([*command, "--notebook", "history-10b"]).notebook == "history-10b"
    monkeypatch.setenv("FOOTNOTE_INDEX_DIR", str(tmp_path / "index"))
    assert main(["ingest", "--notebook", "history-10b"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "`footnote ingest --notebook history-10b PATH`" in err
