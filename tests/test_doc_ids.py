"""Document ids are unique and stable, and nothing outside the folder given gets in: two folders'
`notes.txt` are two documents, names in any script stay apart, a clash is reported, a link out of the
folder is skipped (never read), and a file or link removed from a folder leaves the index with it."""

from __future__ import annotations

import shutil

import pytest
from conftest import CORPUS, SOURCES

from app.cli import main
from ingest.errors import NothingIngestedError
from ingest.pipeline import ingest
from ingest.store import Index

NOTES_1 = "Week 1\nThe Treaty of Rapallo was signed in April 1922 by Germany and Soviet Russia.\n"
NOTES_2 = "Week 2\nThe Soviet Union joined the League of Nations in September 1934.\n"


def quiet(paths, settings, **kw):
    return ingest(paths, settings, progress=False, **kw)


def put(path, text: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def every_text(settings) -> list[str]:
    return Index.open(settings).collection.get(include=["documents"])["documents"]


def test_two_folders_each_holding_notes_txt_give_two_documents(tmp_path, repo_settings):
    put(tmp_path / "f1" / "notes.txt", NOTES_1)
    put(tmp_path / "f2" / "notes.txt", NOTES_2)
    assert quiet([tmp_path / "f1"], repo_settings).new == ["f1-notes"]
    summary = quiet([tmp_path / "f2"], repo_settings)
    assert summary.new == ["f2-notes"] and summary.updated == summary.removed == []
    manifest = Index.open(repo_settings).manifest()
    assert sorted(manifest) == ["f1-notes", "f2-notes"]
    assert summary.index_documents == 2


def test_a_file_given_alone_gets_the_id_it_has_in_its_folder(tmp_path, repo_settings):
    f = put(tmp_path / "f1" / "notes.txt", NOTES_1)
    assert quiet([f], repo_settings).new == ["f1-notes"]
    summary = quiet([tmp_path / "f1"], repo_settings)
    assert summary.unchanged == ["f1-notes"] and summary.new == []


def test_files_named_in_cyrillic_or_chinese_are_each_kept(tmp_path, repo_settings):
    folder = tmp_path / "class"
    for name, year in [("заметки.txt", 1922), ("конспект.txt", 1934), ("笔记.txt", 1939), ("历史.md", 1941)]:
        put(folder / name, f"Notes\nThe Soviet Union changed its foreign policy in {year}.\n")
    summary = quiet([folder], repo_settings)
    assert len(summary.new) == 4 and len(set(summary.new)) == 4 and summary.skipped == []
    assert all(doc_id.startswith("class-") for doc_id in summary.new)
    assert len(Index.open(repo_settings).manifest()) == 4


def test_an_id_taken_by_another_file_still_indexed_is_reported_not_replaced(tmp_path, repo_settings, monkeypatch,
                                                                            capsys):
    put(tmp_path / "a" / "f1" / "notes.txt", NOTES_1)
    put(tmp_path / "b" / "f1" / "notes.txt", NOTES_2)
    quiet([tmp_path / "a" / "f1"], repo_settings)
    before = Index.open(repo_settings).manifest()
    monkeypatch.setenv("FOOTNOTE_INDEX_DIR", str(repo_settings.index_dir))
    assert main(["ingest", str(tmp_path / "b" / "f1")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "notes.txt would take the document id 'f1-notes' of " in err and "rename one of them" in err
    assert Index.open(repo_settings).manifest() == before


def test_a_moved_folder_keeps_its_ids_and_embeds_nothing(tmp_path, repo_settings):
    put(tmp_path / "a" / "f1" / "notes.txt", NOTES_1)
    quiet([tmp_path / "a" / "f1"], repo_settings)
    shutil.move(tmp_path / "a" / "f1", tmp_path / "f1")
    summary = quiet([tmp_path / "f1"], repo_settings)
    assert summary.unchanged == ["f1-notes"] and summary.embedded == 0
    assert Index.open(repo_settings).manifest()["f1-notes"].source == str(tmp_path / "f1" / "notes.txt")


def test_a_listed_file_keeps_its_configured_id_in_any_folder(tmp_path, repo_settings):
    info = SOURCES["stalin-fp-1925-1945-opening"]
    (tmp_path / "mine").mkdir()
    shutil.copy(CORPUS / "raw" / info.file, tmp_path / "mine" / info.file)
    assert quiet([tmp_path / "mine"], repo_settings).new == [info.id]


def test_a_link_to_etc_passwd_is_skipped_with_the_reason_and_never_indexed(tmp_path, repo_settings, monkeypatch,
                                                                          capsys):
    folder = tmp_path / "readings"
    put(folder / "rapallo.txt", NOTES_1)
    (folder / "p.txt").symlink_to("/etc/passwd")
    (folder / "system").symlink_to("/etc", target_is_directory=True)
    monkeypatch.setenv("FOOTNOTE_INDEX_DIR", str(repo_settings.index_dir))
    assert main(["ingest", str(folder)]) == 0
    out = capsys.readouterr().out
    assert f"skipped {folder / 'p.txt'}: is a link to something outside the folder; not followed\n" in out
    assert f"skipped {folder / 'system'}: is a link to a folder; not followed\n" in out
    assert sorted(Index.open(repo_settings).manifest()) == ["readings-rapallo"]
    assert not [t for t in every_text(repo_settings) if "root:" in t or "/bin/" in t]
    with pytest.raises(NothingIngestedError, match="p.txt is a link to something outside the folder"):
        quiet([folder / "p.txt"], repo_settings)


def test_removing_a_file_or_a_link_and_reingesting_removes_its_passages(tmp_path, repo_settings):
    folder = tmp_path / "readings"
    put(folder / "rapallo.txt", NOTES_1)
    put(folder / "league.txt", NOTES_2)
    hidden = put(folder / ".drafts" / "yalta.txt", "Yalta\nThe Big Three met at Yalta in February 1945.\n")
    (folder / "yalta.txt").symlink_to(hidden)  # a link that stays inside the folder is read
    quiet([folder], repo_settings)
    assert sorted(Index.open(repo_settings).manifest()) == ["readings-league", "readings-rapallo", "readings-yalta"]
    (folder / "yalta.txt").unlink()
    (folder / "league.txt").unlink()
    summary = quiet([folder], repo_settings)
    assert summary.removed == ["readings-league", "readings-yalta"]
    texts = every_text(repo_settings)
    assert not [t for t in texts if "Yalta" in t or "League of Nations" in t]
