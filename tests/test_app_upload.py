"""The Sources page as a teacher uses it, driven headless with AppTest: a notebook made in the sidebar,
PDF and Word files uploaded with a progress bar, what cleaning removed shown for each, a footnote into
the PDF labelled with its page, a document's details edited and a document removed. Every test has its
own project home and index folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import make_home
from documents_factory import make_docx, make_pdf
from streamlit.testing.v1 import AppTest
from test_formats import PAGE_1, PAGE_2, PAGE_3
from test_notebooks import LITVINOV, WORD

from app.pages import ui
from ingest import uploads
from ingest.settings import Settings
from ingest.store import Index

APP = Path(__file__).resolve().parent.parent / "app" / "pages" / "streamlit_app.py"
TIMEOUT = 180  # an upload loads the embedding model and embeds


@pytest.fixture
def home(tmp_path, monkeypatch) -> Settings:
    home = make_home(tmp_path)
    monkeypatch.setenv("FOOTNOTE_HOME", str(home))
    monkeypatch.setenv("FOOTNOTE_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("FOOTNOTE_TEACHER", "1")  # uploads, editing, removal and new notebooks are the teacher's
    return Settings.from_env()


def texts(at) -> str:
    return " ".join(str(e.value) for kind in ("markdown", "caption", "success", "warning", "info", "error")
                    for e in getattr(at, kind))


def test_a_notebook_made_in_the_sidebar_takes_uploads_and_its_footnotes_say_the_page(home, tmp_path):
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert at.sidebar.selectbox(key="notebook").value == "default"
    at.sidebar.text_input(key="new_notebook").input("class-a").run()
    at.sidebar.button(key="create_notebook").click().run()
    assert at.sidebar.selectbox(key="notebook").value == "class-a"
    assert at.sidebar.selectbox(key="notebook").options == ["Default (the shipped readings)", "class-a"]

    at.switch_page("views/sources.py").run()
    assert not at.exception and "holds no documents yet" in texts(at)
    pdf = make_pdf(tmp_path / "reading.pdf", [PAGE_1, PAGE_2, PAGE_3], running_header="History 10B",
                   page_numbers=True).read_bytes()
    word = make_docx(tmp_path / "spain.docx", WORD).read_bytes()
    at.file_uploader[0].set_value([("reading.pdf", pdf, "application/pdf"),
                                   ("spain.docx", word, "application/octet-stream"),
                                   ("slides.pptx", b"PK", "application/octet-stream")]).run()
    at.button(key="add_files").click().run()
    assert not at.exception
    added = [s.value for s in at.success]
    assert any("**Reading** (reading, 3 pages): 5 passages; cleaning removed 6 lines" in s for s in added)
    assert any("The Spanish Civil War" in s for s in added)
    assert [w.value for w in at.warning] == [
        ui.message("skipped slides.pptx: not a .txt, .md, .html, .pdf or .docx file (.pptx)")]
    assert any(e.label.startswith("Removed by page\\_furniture: 6 lines") for e in at.expander)
    assert (home.index_dir / "notebooks" / "class-a" / "uploads" / "reading.pdf").exists()
    assert not (home.raw_dir / "reading.pdf").exists()
    assert "p. 2" in " ".join(c.value for c in at.caption)  # the Sources viewer shows each passage's page

    at.switch_page("views/ask.py").run()
    at.chat_input[0].set_value(LITVINOV).run()
    assert not at.exception
    assert next(e for e in at.expander if e.label.startswith("**\\[1\\]**")).label == \
        "**\\[1\\]** Reading, p\\. 2 · passage 3 of 5"

    at.sidebar.selectbox(key="notebook").set_value("default").run()  # back to the default: no index in this home
    assert not at.exception and at.session_state["chat"] == []
    assert any("`footnote ingest`" in e.value for e in at.error)


def test_a_documents_details_are_edited_and_a_document_is_removed_on_the_sources_page(home, tmp_path, monkeypatch):
    nb = home.with_notebook("class-b")
    uploads.add_files([("reading.pdf", make_pdf(tmp_path / "r.pdf", [PAGE_1, PAGE_2]).read_bytes()),
                       ("spain.docx", make_docx(tmp_path / "s.docx", WORD).read_bytes())], nb)
    monkeypatch.setenv("FOOTNOTE_NOTEBOOK", "class-b")
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    at.switch_page("views/sources.py").run()
    assert at.sidebar.selectbox(key="notebook").value == "class-b"
    at.selectbox(key="sources_doc").set_value("reading").run()

    at.text_input(key="edit-title-reading").input("Soviet diplomacy")
    at.text_area(key="edit-reliability-reading").input("A school textbook, 2019.")
    at.selectbox(key="edit-kind-reading").set_value("textbook")
    next(b for b in at.button if b.label == "Save").click().run()
    assert not at.exception
    assert at.subheader[0].value == "Soviet diplomacy"
    assert "A school textbook, 2019\\." in texts(at)
    entry = Index.open(nb).manifest()["reading"]
    assert (entry.title, entry.kind) == ("Soviet diplomacy", "textbook")

    assert at.button(key="remove-reading").disabled  # not without saying yes
    at.checkbox(key="remove-sure-reading").check().run()
    at.button(key="remove-reading").click().run()
    assert not at.exception
    assert set(Index.open(nb).manifest()) == {"spain"}
    assert (nb.trash_dir / "reading.pdf").exists()
    assert at.selectbox(key="sources_doc").value == "spain"
    assert ui.md("in the notebook's trash until the next ingest") in texts(at)
