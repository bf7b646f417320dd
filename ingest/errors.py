"""Errors written for users. The library raises these; the CLI and the pages render them.

Every message says what went wrong and what to do about it, in one or two sentences.
"""


def first_line(e: Exception, limit: int = 100) -> str:
    """An exception's message for a one-line reason: its first line, at most `limit` characters, without
    a closing full stop; its type's name when it has no message."""
    s = str(e).strip().splitlines()
    return (s[0][:limit] if s else type(e).__name__).rstrip(".")


class FootnoteError(Exception):
    """Base class: anything with a message a user can act on."""


class NoIndexError(FootnoteError):
    def __init__(self, where: str, older: bool = False, notebook: str | None = None):
        if notebook:
            super().__init__(f"Notebook '{notebook}' has no documents yet. Add some on the Sources page, or run "
                             f"`footnote ingest --notebook {notebook} PATH`.")
        elif older:
            super().__init__(f"The index at {where} was built by an older version of Footnote. "
                             "Run `footnote ingest` (or `make run`) to build it again.")
        else:
            super().__init__(f"No index yet at {where}. Run `footnote ingest` (or `make run`) to build it.")


class ModelMismatchError(FootnoteError):
    def __init__(self, built_with: str, built_dim: int, now: str, now_dim: int):
        super().__init__(
            f"The index was built with the embedding model {built_with} ({built_dim} dimensions) but "
            f"Footnote is now set to {now} ({now_dim} dimensions). Re-ingest with `footnote ingest --rebuild`, "
            "or set FOOTNOTE_EMBED_MODEL back to the model the index was built with."
        )


class ModelNotFoundError(FootnoteError):
    def __init__(self, where: str):
        super().__init__(
            f"No sentence-transformers model at {where}. Install the project (`make setup`) or point "
            "FOOTNOTE_EMBED_MODEL at a local sentence-transformers folder."
        )


class IndexServerError(FootnoteError):
    def __init__(self, host: str, port: int, detail: str):
        super().__init__(
            f"Cannot reach the Chroma server at {host}:{port} ({detail}). Start it with `chroma run` "
            "or unset FOOTNOTE_CHROMA_HOST to use the local index."
        )


class IndexServerAuthError(FootnoteError):
    """The Chroma server (or the proxy in front of it) answered 401 or 403: the token is wrong or missing."""

    def __init__(self, host: str, port: int, token_sent: bool):
        if token_sent:
            super().__init__(f"The Chroma server at {host}:{port} refused Footnote's token: set "
                             "FOOTNOTE_CHROMA_TOKEN to the server's token.")
        else:
            super().__init__(f"The Chroma server at {host}:{port} wants a token: set FOOTNOTE_CHROMA_TOKEN "
                             "to the server's token.")


class ServeError(FootnoteError):
    """`footnote serve` cannot start, or its Chroma server stopped."""


class BadQuestionError(FootnoteError):
    """An empty or oversized question."""


class LLMServerError(FootnoteError):
    """The LLM server could not be reached or answered badly."""


class NothingIngestedError(FootnoteError):
    """No file given to ingest produced usable text."""


class IndexDamagedError(FootnoteError):
    def __init__(self, where: str, detail: str):
        super().__init__(
            f"The index at {where} is damaged and cannot be read ({detail}). "
            "Build it again with `footnote ingest --rebuild`."
        )


class IndexUnwritableError(FootnoteError):
    def __init__(self, where: str, doing: str, read_only_disk: bool = False):
        why = ("it is on a read-only disk or mount" if read_only_disk else "permission denied")
        super().__init__(
            f"Footnote cannot open the index at {where} for {doing}: {why} (Chroma writes to its "
            "folder even to answer, and `--rebuild` would fail the same way). Make the folder yours and "
            "writable, or set FOOTNOTE_INDEX_DIR to one that is and run `footnote ingest --rebuild`."
        )


class IngestRunningError(FootnoteError):
    def __init__(self, where: str):
        super().__init__(f"Another `footnote ingest` is writing the index at {where}; wait for it to finish.")


class TooMuchWorkError(FootnoteError):
    """An ingest that would embed more texts than FOOTNOTE_MAX_EMBED_TEXTS allows (ingest/limits.py);
    raised before anything is embedded or written."""
