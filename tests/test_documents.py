"""Reading files: what cannot be used becomes a Skipped with a reason a user can act on, never an error."""

from __future__ import annotations

import shutil

from conftest import CORPUS, SOURCES

from ingest import documents
from ingest.documents import RawDocument, Skipped, collect, decode, document_id, load_sources, read

LISTED = load_sources(CORPUS / "sources.toml")


def test_a_listed_file_gets_its_metadata_from_sources_toml(tmp_path):
    info = SOURCES["stalin-fp-1925-1945-opening"]
    copy = tmp_path / info.file
    shutil.copy(CORPUS / "raw" / info.file, copy)
    doc = read(copy, LISTED)
    assert isinstance(doc, RawDocument)
    assert doc.info == info
    assert doc.encoding == "utf-8" and doc.notes == []
    assert doc.text.startswith("Submitted by: Submitted by mattman123")


def test_a_users_own_file_gets_a_readable_id_and_its_first_line_as_title(tmp_path):
    (tmp_path / "History").mkdir()
    f = tmp_path / "History" / "Week 3 Reading (Litvinov).txt"
    f.write_text("\n\nLitvinov and collective security\nLitvinov argued for collective security.\n", encoding="utf-8")
    doc = read(f, LISTED)
    assert isinstance(doc, RawDocument)
    assert doc.info.id == "history-week-3-reading-litvinov"
    assert doc.info.title == "Litvinov and collective security"
    assert doc.info.kind == "your document"


def test_an_empty_file_is_skipped(tmp_path):
    for name, data in [("empty.txt", b""), ("blank.md", b"  \n\n\t \n")]:
        (tmp_path / name).write_bytes(data)
        skipped = read(tmp_path / name, LISTED)
        assert isinstance(skipped, Skipped)
        assert skipped.reason == "is empty"


def test_a_binary_file_is_skipped(tmp_path):
    f = tmp_path / "scan.txt"
    f.write_bytes(b"%PDF-1.7\n\x00\x01\x02binary\x00\xff\xfe" * 50)
    skipped = read(f, LISTED)
    assert isinstance(skipped, Skipped)
    assert skipped.reason == "looks like a binary file, not text"


def test_a_windows_1252_file_is_read_with_its_curly_quotes_and_a_note(tmp_path):
    f = tmp_path / "pasted from word.txt"
    f.write_bytes(b"Molotov called Munich a \x93disaster\x94 and Litvinov\x92s dismissal a \x96 turning point.\n")
    doc = read(f, LISTED)
    assert isinstance(doc, RawDocument)
    assert doc.text == "Molotov called Munich a “disaster” and Litvinov’s dismissal a – turning point.\n"
    assert doc.encoding == "windows-1252"
    assert doc.notes == ["not UTF-8: read as windows-1252"]


def test_a_utf8_file_with_a_byte_order_mark_is_read_without_it():
    text, encoding = decode("\ufeffStalin’s foreign policy".encode())
    assert (text, encoding) == ("Stalin’s foreign policy", "utf-8")


def test_an_html_file_keeps_its_text_and_drops_scripts_styles_and_navigation(tmp_path):
    f = tmp_path / "rapallo.html"
    f.write_text(
        "<html><head><title>The Treaty of Rapallo</title><style>p { color: red }</style>"
        "<script>var tracker = 'ad-network';</script></head><body>"
        "<nav>Home | Essays | Log in</nav><h1>Rapallo, 1922</h1>"
        "<p>Germany and Soviet Russia signed the treaty in April 1922.</p>"
        "<p>It ended the isolation of both &amp; opened trade.</p>"
        "<script>document.write('Subscribe now')</script><footer>© Essay Site</footer></body></html>",
        encoding="utf-8",
    )
    doc = read(f, LISTED)
    assert isinstance(doc, RawDocument)
    assert doc.info.title == "The Treaty of Rapallo"
    assert doc.text == (
        "Rapallo, 1922\n\n"
        "Germany and Soviet Russia signed the treaty in April 1922.\n\n"
        "It ended the isolation of both & opened trade.\n"
    )


def test_an_unsupported_file_type_is_skipped_with_its_suffix(tmp_path):
    for name, shown in [("slides.pptx", ".pptx"), ("photo.jpg", ".jpg"), ("README", "no extension")]:
        (tmp_path / name).write_bytes(b"some text")
        skipped = read(tmp_path / name, LISTED)
        assert isinstance(skipped, Skipped)
        assert skipped.reason == f"not a .txt, .md, .html, .pdf or .docx file ({shown})"


def test_a_missing_path_is_skipped_as_not_existing(tmp_path):
    files, skipped = collect([tmp_path / "no-such-folder", tmp_path / "gone.txt"])
    assert files == []
    assert [(s.path.name, s.reason) for s in skipped] == [("no-such-folder", "does not exist"),
                                                           ("gone.txt", "does not exist")]
    unreadable = read(tmp_path / "gone.txt", LISTED)
    assert isinstance(unreadable, Skipped) and unreadable.reason.startswith("cannot be read")


def test_a_file_too_large_to_be_a_reading_is_skipped(tmp_path, monkeypatch):
    monkeypatch.setattr(documents, "MAX_BYTES", 1_000_000)
    f = tmp_path / "everything.txt"
    f.write_bytes(b"Stalin. " * 300_000)
    skipped = read(f, LISTED)
    assert isinstance(skipped, Skipped) and skipped.reason.startswith("is too large (2 MB")


def test_collect_lists_a_folders_readable_files_in_order_and_skips_the_rest(tmp_path):
    (tmp_path / "b.txt").write_text("b", encoding="utf-8")
    (tmp_path / "a.md").write_text("a", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.html").write_text("<p>c</p>", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("h", encoding="utf-8")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8")
    (tmp_path / "sources.toml").write_text("", encoding="utf-8")
    files, skipped = collect([tmp_path])
    assert [f.path.relative_to(tmp_path).as_posix() for f in files] == ["a.md", "b.txt", "sub/c.html"]
    assert {f.root for f in files} == {tmp_path}
    assert [(s.path.name, s.reason) for s in skipped] == [("photo.jpg", "not a .txt, .md, .html, .pdf or .docx file (.jpg)")]


def test_every_shipped_raw_file_reads_as_utf8_with_its_listed_metadata():
    for info in SOURCES.values():
        doc = read(CORPUS / "raw" / info.file, LISTED)
        assert isinstance(doc, RawDocument), doc
        assert doc.info == info and doc.encoding == "utf-8" and doc.notes == []


def test_a_document_id_is_the_files_path_in_the_folder_it_was_ingested_from(tmp_path):
    root = tmp_path / "Week 3"
    assert document_id(root / "Stalin’s Foreign Policy (draft 2).txt", root) == "week-3-stalin-s-foreign-policy-draft-2"
    assert document_id(root / "essays" / "notes.md", root) == "week-3-essays-notes"
    assert document_id(tmp_path / "f1" / "notes.txt", tmp_path / "f1") != document_id(
        tmp_path / "f2" / "notes.txt", tmp_path / "f2")


def test_file_names_without_latin_letters_get_distinct_ids(tmp_path):
    names = ["заметки.txt", "конспект.txt", "笔记.txt", "历史.txt", "???.txt"]
    ids = [document_id(tmp_path / "f1" / n, tmp_path / "f1") for n in names]
    assert len(set(ids)) == len(names)
    assert all(i.startswith("f1-") and i != "f1-" for i in ids)
    assert ids == [document_id(tmp_path / "f1" / n, tmp_path / "f1") for n in names], "ids must be stable"


def test_a_long_path_gives_a_bounded_id_that_still_tells_files_apart(tmp_path):
    a = document_id(tmp_path / "r" / ("x" * 200 + "a.txt"), tmp_path / "r")
    b = document_id(tmp_path / "r" / ("x" * 200 + "b.txt"), tmp_path / "r")
    assert len(a) <= 60 and len(b) <= 60 and a != b


def test_the_size_limit_is_checked_before_the_file_is_read(tmp_path, monkeypatch):
    f = tmp_path / "huge.txt"
    with f.open("wb") as out:  # a sparse file: 50 MB on paper, nothing on disk
        out.truncate(50_000_000)
    opened = []
    real_open = type(f).open

    def spy(self, *a, **kw):
        opened.append(self)
        return real_open(self, *a, **kw)

    monkeypatch.setattr(type(f), "open", spy)
    skipped = read(f, LISTED)
    assert isinstance(skipped, Skipped) and skipped.reason.startswith("is too large (50 MB")
    assert opened == [], "the file was opened although its size already ruled it out"


def test_utf16_files_are_read_with_or_without_a_byte_order_mark(tmp_path):
    text = "Litvinov was dismissed in May 1939 and replaced by Molotov.\n"
    for name, data in [("bom-le.txt", text.encode("utf-16")), ("bom-be.txt", b"\xfe\xff" + text.encode("utf-16-be")),
                       ("plain-le.txt", text.encode("utf-16-le")), ("plain-be.txt", text.encode("utf-16-be"))]:
        (tmp_path / name).write_bytes(data)
        doc = read(tmp_path / name, LISTED)
        assert isinstance(doc, RawDocument), (name, doc)
        assert doc.text == text, name
        assert doc.notes == ["not UTF-8: read as utf-16"]


def test_binary_data_with_zero_bytes_is_still_skipped_as_binary(tmp_path):
    f = tmp_path / "image.txt"
    f.write_bytes(bytes([7, 0, 3, 0, 1, 0, 2, 0]) * 500)
    skipped = read(f, LISTED)
    assert isinstance(skipped, Skipped) and skipped.reason == "looks like a binary file, not text"


def test_a_script_or_markup_in_an_html_title_never_reaches_the_title(tmp_path):
    body = "<body><h1>Rapallo</h1><p>Germany and Soviet Russia signed the treaty in April 1922.</p></body>"
    for title in ["<script>alert('x')</script>The Treaty of Rapallo",
                  "&lt;script&gt;alert('x')&lt;/script&gt;The Treaty of Rapallo",
                  "The Treaty <b onmouseover=alert(1)>of</b> Rapallo"]:
        f = tmp_path / "rapallo.html"
        f.write_text(f"<html><head><title>{title}</title></head>{body}</html>", encoding="utf-8")
        doc = read(f, LISTED)
        assert isinstance(doc, RawDocument)
        assert doc.info.title == "The Treaty of Rapallo", title
        assert "alert" not in doc.text


def test_a_link_to_a_file_outside_the_folder_is_skipped_and_never_read(tmp_path):
    folder = tmp_path / "readings"
    folder.mkdir()
    (folder / "rapallo.txt").write_text("Rapallo was signed in 1922.\n", encoding="utf-8")
    (folder / "p.txt").symlink_to("/etc/passwd")
    (folder / "inside.txt").symlink_to(folder / "rapallo.txt")
    (folder / "etc").symlink_to("/etc", target_is_directory=True)
    files, skipped = collect([folder])
    assert [f.path.name for f in files] == ["inside.txt", "rapallo.txt"]
    assert {s.path.name: s.reason for s in skipped} == {
        "p.txt": "is a link to something outside the folder; not followed",
        "etc": "is a link to a folder; not followed",
    }
    files, skipped = collect([folder / "p.txt"])
    assert files == [] and skipped[0].reason == "is a link to something outside the folder; not followed"
    assert read(folder / "p.txt", LISTED, root=folder).reason == "is a link to something outside the folder; not followed"
