"""Shared test data: the real corpus, and one real index built from it once per session.

Tests never write into the repository: the session index is built from a copy of corpus/raw and
sources.toml in a temporary project home, so even the clean copies `footnote ingest` writes land there.
Any test parameter named `doc_id` runs once per document in corpus/sources.toml.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from ingest.documents import SourceInfo, load_sources
from ingest.pipeline import Summary, ingest
from ingest.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SOURCES: dict[str, SourceInfo] = {info.id: info for info in load_sources(CORPUS / "sources.toml").values()}
DOC_IDS = sorted(SOURCES)
MIND_MAP = "stalin-fp-mind-map"


def pytest_generate_tests(metafunc):
    """A test that takes `doc_id` (and does not parametrize it itself) runs once per document."""
    explicit = set()
    for mark in metafunc.definition.iter_markers("parametrize"):
        names = mark.args[0]
        explicit |= {n.strip() for n in (names.split(",") if isinstance(names, str) else names)}
    if "doc_id" in metafunc.fixturenames and "doc_id" not in explicit:
        metafunc.parametrize("doc_id", DOC_IDS)


def raw_text(doc_id: str) -> str:
    """The scraped file exactly as it is on disk."""
    return (CORPUS / "raw" / SOURCES[doc_id].file).read_text(encoding="utf-8")


def clean_text(doc_id: str) -> str:
    """The committed clean copy (corpus/clean/<id>.txt)."""
    return (CORPUS / "clean" / f"{doc_id}.txt").read_text(encoding="utf-8")


def is_notes(doc_id: str) -> bool:
    return SOURCES[doc_id].kind == "mind map"


def make_home(root: Path) -> Path:
    """A project home holding a copy of the real corpus (raw files, sources.toml, aliases.toml), nothing else."""
    home = root / "home"
    (home / "corpus").mkdir(parents=True)
    shutil.copytree(CORPUS / "raw", home / "corpus" / "raw")
    shutil.copy(CORPUS / "sources.toml", home / "corpus" / "sources.toml")
    shutil.copy(CORPUS / "aliases.toml", home / "corpus" / "aliases.toml")
    return home


@dataclass
class Built:
    """An index built from the real corpus, and what the ingest that built it reported."""

    settings: Settings
    summary: Summary

    @property
    def home(self) -> Path:
        return self.settings.home


@pytest.fixture(scope="session", autouse=True)
def no_footnote_environment():
    """A developer's FOOTNOTE_* variables (a Chroma server, another model) must not leak into tests."""
    with pytest.MonkeyPatch.context() as mp:
        for name in [n for n in os.environ if n.startswith("FOOTNOTE_")]:
            mp.delenv(name)
        yield


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory) -> Built:
    """The real corpus ingested once, with the real model, into a temporary index."""
    home = make_home(tmp_path_factory.mktemp("corpus-index"))
    settings = Settings.from_env(home=home, index_dir=home / ".index")
    return Built(settings, ingest(None, settings, progress=False))


@pytest.fixture
def repo_settings(tmp_path) -> Settings:
    """Settings for this repository's sources.toml with a fresh, empty index in a temporary folder.
    Ingest files from a temporary folder with these: nothing in the repository is written."""
    return Settings.from_env(index_dir=tmp_path / "index")


@pytest.fixture(scope="session")
def engine(corpus_index):
    """The answering engine on the session index (model and BM25 loaded once)."""
    from app.engine import Engine

    return Engine.load(corpus_index.settings)


@pytest.fixture(scope="session")
def questions():
    """The evaluation set's questions (eval/questions.yaml)."""
    import yaml

    return yaml.safe_load((ROOT / "eval" / "questions.yaml").read_text(encoding="utf-8"))["questions"]
