"""The answering engine: from a question to a cited answer, and nothing a user sees.

Holds retrieval (retrieve.py, library.py), the ranker's features and fitted models (features.py,
ranker.py, models.json), how a sentence leans on its neighbours (sentences.py), composing extractive
answers (compose.py for factoid questions, argue.py for argued ones, argue_model.json), follow-up
questions (conversation.py, mentions.py), the dated events the sources hold and "What happened after X?"
(events.py, dates.py, after.py), why-questions opened with the reasons the sources give (reasons.py,
reason_model.json), who says a cited sentence (speakers.py), the LLM option with its citation check
(llm.py), question screening
(language.py, safe_text.py), the answer's data types (answer.py), and the `Engine` itself (core.py).

May import: `ingest`, and its own modules. Never `app.jobs`, `app.pages`, `app.cli` or `eval`
(tests/test_layers.py).

`from app.engine import Engine` works without importing core.py at package import: the names below load
it on first use, so `import ingest.safe_text` (the CLI's first import) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .core import READ_ERROR, Engine, check_question, preload, shared

__all__ = ["Engine", "READ_ERROR", "check_question", "preload", "shared"]


def __getattr__(name: str):
    if name in __all__:
        from . import core

        return getattr(core, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
