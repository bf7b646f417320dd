"""The `footnote` command: one subcommand per job. It parses arguments, calls the library, and renders
results and errors; a FootnoteError becomes a one-line message and exit code 2, never a traceback.

    footnote ingest [PATH ...] [--rebuild] [--notebook NAME]   build or update the index (default: corpus/raw)
    footnote notebooks [--remove NAME [--yes]]    list notebooks with their counts; remove one
    footnote sources                          list indexed documents
    footnote status                           where the index lives and what it holds
    footnote ask "question" [--json] [--file FILE [--conversation]] [--llm URL --model NAME]
    footnote plan "question" [--json] [--out plan.md|plan.docx]   a cited essay plan
    footnote debate [--json]                  who argues what: the historians the sources name, cited
    footnote check --question "..." --answer FILE|- [--json] [--key-points FILE] [--out check.md|check.docx]
    footnote eval [--questions FILE] [--out DIR]
    footnote timeline [--from YEAR] [--to YEAR] [--doc ID] [--json] [--out FILE.md|.csv|.docx]
    footnote app                              start the Streamlit app on 127.0.0.1:8501
    footnote serve --path DIR [--host H] [--port P] [--token-file FILE]   a token-protected Chroma server
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ingest.errors import FootnoteError
from ingest.safe_text import decode, one_line, printable
from ingest.settings import DEFAULT_NOTEBOOK, Settings


def _err(msg: str) -> None:
    print(f"footnote: {printable(msg)}", file=sys.stderr)  # messages can quote paths and input


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _notebook_arg(subparser: argparse.ArgumentParser) -> None:
    """`--notebook NAME` for a subcommand: main() then hands its command the settings of that notebook
    (Settings.with_notebook), so everything it reads or writes is that notebook's. One line per
    subcommand: `_notebook_arg(s)`."""
    subparser.add_argument("--notebook", metavar="NAME", default=None,
                           help="the notebook to use (default: FOOTNOTE_NOTEBOOK, or the default notebook, "
                                "which holds the shipped corpus); `footnote notebooks` lists them")


def _notebook_settings(args, settings: Settings) -> Settings:
    """The settings of the notebook --notebook (or FOOTNOTE_NOTEBOOK) names; a notebook that does not
    exist is an error for every command but ingest, which makes it, and notebooks, which lists them."""
    from ingest import notebooks

    name = getattr(args, "notebook", None)
    if name:
        settings = settings.with_notebook(name)
    if settings.notebook != DEFAULT_NOTEBOOK and args.command not in ("ingest", "notebooks") \
            and not notebooks.exists(settings, settings.notebook):
        raise FootnoteError(f"There is no notebook '{settings.notebook}'. `footnote notebooks` lists them; "
                            f"`footnote ingest --notebook {settings.notebook} PATH` makes it.")
    return settings


def cmd_ingest(args, settings: Settings) -> int:
    from ingest.pipeline import ingest

    paths = [Path(p) for p in args.paths]
    if not paths and settings.notebook != DEFAULT_NOTEBOOK:
        # A notebook's own uploads are read again (an interrupted upload completes); a folder to add is given.
        from ingest.notebooks import is_folder

        if not is_folder(settings.uploads_dir):
            raise FootnoteError(f"Give the files or folders to add to notebook '{settings.notebook}': "
                                f"`footnote ingest --notebook {settings.notebook} PATH`.")
        paths = [settings.uploads_dir]
    summary = ingest(paths or None, settings, rebuild=args.rebuild, progress=sys.stderr.isatty() or args.progress)
    for s in summary.skipped:
        print(f"skipped {one_line(s.path)}: {one_line(s.reason)}")
    for n in summary.notes:
        print(f"note    {one_line(n)}")
    # What this run did, then what the index holds now (which also counts documents ingested earlier
    # from other folders): two different numbers, never one sentence.
    parts = [f"ingested {_count(summary.documents, 'document')} ({_count(summary.passages, 'passage')})"]
    changes = [f"{len(v)} {k}" for k, v in (("new", summary.new), ("updated", summary.updated),
                                            ("removed", summary.removed), ("unchanged", summary.unchanged)) if v]
    if changes:
        parts[0] += ": " + ", ".join(changes)
    parts.append(f"embedded {_count(summary.embedded, 'text')}" if summary.embedded else "nothing to embed")
    if summary.skipped:
        parts.append(f"{len(summary.skipped)} skipped")
    parts.append(f"the index holds {_count(summary.index_documents, 'document')}, "
                 f"{_count(summary.index_passages, 'passage')}")
    parts.append(f"{summary.seconds:.1f} s")
    print("; ".join(parts))
    if (summary.new or summary.updated or summary.removed or args.rebuild) and summary.index_passages:
        _prepare(settings)
    elif summary.index_passages:
        _export_reread(settings)
    return 0


def _export_reread(settings: Settings) -> None:
    """Export the rereader (app/engine/reread.py) if this index root has no export of today's weights, so
    the app's first start does not pay for it (torch's import alone is 7-9 s). A failure is a note."""
    from app.engine import reread

    try:
        if reread.config() and reread.WEIGHTS.exists() and not reread.onnx_file(settings).exists():
            reread.export(settings)
    except Exception as e:  # noqa: BLE001 - answers keep the ranker's order without it
        print(f"note    could not export the rereader ({type(e).__name__}: {one_line(str(e))}); "
              "answers keep the ranker's order")


def _prepare(settings: Settings) -> None:
    """Open the new index generation once, so the tables the engine stores inside it (records, BM25
    index, vocabulary) exist before the first question: the first start after an ingest computes them,
    19 s at 20,000 passages against 1.6 s for every later start (benchmark/scale.py). The ingest has
    succeeded whatever happens here, so a failure is a note, never an error; the first start then
    computes them as before."""
    import time

    from app.engine import Engine

    t = time.perf_counter()
    try:
        Engine.load(settings)
    except Exception as e:  # noqa: BLE001 - see the docstring: nothing here may fail the ingest
        _err(f"note: the index is built, but preparing it for answering failed ({type(e).__name__}); "
             "the first question will prepare it")
        return
    print(f"prepared for answering in {time.perf_counter() - t:.1f} s", file=sys.stderr)


def cmd_notebooks(args, settings: Settings) -> int:
    from ingest import notebooks

    if args.remove:
        name = args.remove
        settings.with_notebook(name)  # a bad name is told before anything is asked
        found = {n.name: n for n in notebooks.summary(settings)}
        if name not in found:
            raise FootnoteError(f"There is no notebook '{name}'. `footnote notebooks` lists them.")
        if not args.yes:
            n = found[name]
            if not sys.stdin.isatty():
                _err(f"removing notebook '{name}' deletes its index and uploaded files: add --yes to confirm")
                return 2
            reply = input(f"Remove notebook '{name}' ({_count(n.documents, 'document')}, "
                          f"{_count(n.passages, 'passage')}) with its index and uploaded files? [y/N] ")
            if reply.strip().lower() not in ("y", "yes"):
                print("kept")
                return 1
        notebooks.remove(settings, name)
        print(f"removed notebook '{name}'")
        return 0
    rows = notebooks.summary(settings)
    width = max(len(n.name) for n in rows)
    for n in rows:
        line = f"{n.name:<{width}}  {_count(n.documents, 'document'):>13}  {_count(n.passages, 'passage'):>14}"
        print(line + (f"  ({printable(n.problem)})" if n.problem else ""))
    return 0


def cmd_sources(args, settings: Settings) -> int:
    from ingest.store import Index

    index = Index.open(settings)
    manifest = index.manifest()
    width = max((len(d) for d in manifest), default=10)
    for doc_id, e in sorted(manifest.items()):
        print(f"{one_line(doc_id):<{width}}  {e.passages:>3} passages  {one_line(e.kind):<28}  {one_line(e.title)}")
    print(f"{_count(len(manifest), 'document')}, {_count(sum(e.passages for e in manifest.values()), 'passage')}")
    return 0


def cmd_status(args, settings: Settings) -> int:
    from ingest.store import Index

    index = Index.open(settings)
    info, manifest = index.info, index.manifest()
    print(f"index:      {settings.where}, generation {index.generation}")
    print(f"model:      {info.get('embed_model')} ({info.get('embed_dim')} dimensions)")
    print(f"documents:  {len(manifest)}")
    print(f"passages:   {sum(e.passages for e in manifest.values())}")
    print(f"updated:    {info.get('updated', 'unknown')}")
    return 0


def cmd_ask(args, settings: Settings) -> int:
    from app.engine import Engine
    from app.engine.conversation import Conversation
    from app.jobs.render import answer_text
    from ingest.safe_text import argument, json_line

    if args.conversation and not args.file:
        _err("--conversation reads its turns from --file FILE (one question per line, - for standard input)")
        return 2
    if args.file:
        try:  # opened before the model loads, so a wrong name is told at once
            stream = getattr(sys.stdin, "buffer", sys.stdin) if args.file == "-" else open(args.file, "rb")  # noqa: SIM115
        except OSError as e:
            _err(f"cannot read the questions file {args.file}: {e.strerror or e}")
            return 2
        engine = Engine.load(settings, llm_url=args.llm, llm_model=args.model)
        conversation = Conversation() if args.conversation else None
        with stream:
            for question in _question_lines(stream):
                if question is None:
                    _err(f"stopped reading {args.file} after {MAX_QUESTIONS_BYTES // 1_000_000} MB: a "
                         "questions file holds at most that (split it into several files)")
                    return 2
                if not question:
                    if conversation is not None:
                        conversation = Conversation()  # a blank line starts a new conversation
                    continue
                print(json_line(_ask_line(engine, question, conversation)), flush=True)
        return 0
    if not args.question:
        _err("give a question, or --file FILE (one question per line, - for standard input)")
        return 2
    question = " ".join(argument(a)[0] for a in args.question)
    engine = Engine.load(settings, llm_url=args.llm, llm_model=args.model)
    try:
        answer = engine.ask(question)
    except FootnoteError:
        raise  # written for users: main() prints it, exit code 2
    except Exception as e:  # a bug: one line a user can report, not a traceback
        _err(_internal(e))
        return 1
    print(json_line(answer.to_json()) if args.json else answer_text(answer))
    return 0


# `ask --file` reads a line of at most MAX_QUESTION_LINE bytes at a time, so a file with no line breaks
# (`--file /dev/zero`) costs no more memory than one line: four bytes for each of the 1,000 characters a
# question may have (engine.MAX_QUESTION_CHARS, UTF-8's widest). A longer line is answered with an error
# and the rest of it is read past. The whole file is at most MAX_QUESTIONS_BYTES: 10,000 questions of the
# longest kind, and far more than an evaluation set (the shipped one has 30).
MAX_QUESTION_LINE = 4 * 1000
MAX_QUESTIONS_BYTES = 10_000_000


def questions_codec(head: bytes) -> str | None:
    """"utf-16" (or -le / -be) when a questions file starts like English text in UTF-16: with or without a
    byte order mark, every other byte zero (documents.utf16's test, applied after the mark too, so bytes
    that merely start with FF FE stay UTF-8 lines)."""
    from ingest.documents import utf16

    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16" if len(head) > 2 and utf16(head[2:]) else None
    return utf16(head)


def _question_lines(stream):
    """The questions of a --file stream, one a line, stripped ("" for a blank line). Reads bytes, so a
    badly encoded line costs only its own characters; a file in UTF-16 (with a byte order mark, or in the
    shape documents.utf16 knows) is decoded as that. A line over MAX_QUESTION_LINE yields the start of it
    marked as too long, which the engine declines in one line. Yields None (and stops) when the file
    passes MAX_QUESTIONS_BYTES."""
    import io

    if isinstance(stream, io.TextIOBase):  # already text (a test's or an embedding program's stdin)
        codec = "text"
    else:
        if not hasattr(stream, "peek"):
            stream = io.BufferedReader(stream)  # to look at the start without losing it
        codec = questions_codec(stream.peek(8192)[:8192])
        if codec:
            stream = io.TextIOWrapper(stream, encoding=codec, errors="replace", newline=None)
    newline = "\n" if codec else b"\n"
    total = 0
    first = True
    while True:
        raw = stream.readline(MAX_QUESTION_LINE + 1)
        if not raw:
            return
        total += len(raw)
        long = len(raw) > MAX_QUESTION_LINE and not raw.endswith(newline)
        while long:  # read past the rest of the line, counting it
            more = stream.readline(MAX_QUESTION_LINE + 1)
            total += len(more)
            if not more or more.endswith(newline) or total > MAX_QUESTIONS_BYTES:
                break
        if total > MAX_QUESTIONS_BYTES:
            yield None
            return
        text = raw if codec else decode(raw)[0]
        if first:
            text, first = text.removeprefix("\ufeff"), False
        yield text.strip()


def _ask_line(engine, question: str, conversation=None) -> dict:
    """One line of `ask --file`: the answer (a turn of the conversation, if there is one), or
    {"question", "error"}, whatever goes wrong, so that the lines after it are still answered."""
    try:
        answer = conversation.ask(engine, question) if conversation is not None else engine.ask(question)
        return answer.to_json()
    except FootnoteError as e:
        return {"question": question, "error": str(e)}
    except Exception as e:
        return {"question": question, "error": _internal(e)}


def _internal(e: Exception) -> str:
    """An unexpected error as one line a user can report."""
    detail = " ".join(str(e).split())
    return (f"Footnote could not answer this question (an internal error: {type(e).__name__}"
            f"{': ' + detail if detail else ''}). Please report it with the question.")


def cmd_plan(args, settings: Settings) -> int:
    from app.engine import Engine
    from app.jobs.plan import make_plan
    from app.jobs.plan_markdown import plan_markdown
    from ingest.safe_text import argument, json_line

    out = Path(args.out) if args.out else None
    if out is not None and out.suffix.lower() not in (".md", ".docx"):
        _err(f"--out names a .md or .docx file, not {out.name}")
        return 2
    question = " ".join(argument(a)[0] for a in args.question)
    engine = Engine.load(settings, llm_url=args.llm, llm_model=args.model)
    try:
        plan = make_plan(engine, question)
    except FootnoteError:
        raise
    except Exception as e:  # a bug: one line a user can report, not a traceback
        _err(_internal(e))
        return 1
    markdown = plan_markdown(plan)
    if out is not None:
        try:
            if out.suffix.lower() == ".docx":
                from app.jobs.export import markdown_docx

                out.write_bytes(markdown_docx(markdown, title=f"Essay plan: {plan.question}"))
            else:
                out.write_text(markdown, encoding="utf-8")
        except OSError as e:
            _err(f"cannot write {out}: {e.strerror or e}")
            return 2
    print(json_line(plan.to_json()) if args.json else markdown.rstrip("\n"))
    return 0


def cmd_debate(args, settings: Settings) -> int:
    from app.engine import Engine
    from app.jobs.plan import debate_citations
    from app.jobs.plan_markdown import debate_markdown, references_markdown
    from ingest.safe_text import json_line

    readings, citations = debate_citations(Engine.load(settings))
    if args.json:
        print(json_line({"readings": [r.to_json() for r in readings], "citations": [c.to_json() for c in citations]}))
    else:
        print("\n".join(["# Who argues what", "", *debate_markdown(readings, citations),
                         *references_markdown(citations)]).rstrip("\n"))
    return 0


def cmd_check(args, settings: Settings) -> int:
    from app.engine import Engine, check_question
    from app.jobs import check
    from ingest.safe_text import json_line

    out = Path(args.out) if args.out else None
    if out is not None and out.suffix.lower() not in (".md", ".docx"):
        _err(f"--out names a .md or .docx file, not {out.name}")
        return 2
    if out is not None and not out.resolve().parent.is_dir():
        _err(f"cannot write {out}: no folder {out.resolve().parent}")
        return 2
    question = check_question(args.question)
    try:  # everything the teacher gave is read before the model loads, so a wrong name is told at once
        data = _read_capped(getattr(sys.stdin, "buffer", sys.stdin) if args.answer == "-" else Path(args.answer))
        points_data = _read_capped(Path(args.key_points)) if args.key_points else None
    except OSError as e:
        _err(f"cannot read {e.filename or args.answer}: {e.strerror or e}")
        return 2
    answer = check.read_answer(data if isinstance(data, bytes) else data.encode(), "" if args.answer == "-"
                               else Path(args.answer).name)
    if points_data is not None:
        points, origin = check.read_key_points(points_data), "teacher"
    else:
        points, origin = check.evaluation_key_points(question), "evaluation set"
    engine = Engine.load(settings)
    result = check.check(engine, question, answer, points, origin)
    if out is not None:
        from app.jobs.export import markdown_docx

        md = result.markdown()
        try:
            out.write_bytes(markdown_docx(md, title=f"Answer check: {question}") if out.suffix.lower() == ".docx"
                            else md.encode("utf-8"))
        except OSError as e:
            _err(f"cannot write {out}: {e.strerror or e}")
            return 2
    print(json_line(result.to_json()) if args.json else result.text())
    return 0


# A student's answer or a key-points file: a .docx with images can be a few megabytes, while the text
# checked is at most 20,000 characters (check.MAX_ANSWER_CHARS). Nothing larger is read, whatever the file
# (`--answer /dev/zero` stops here).
MAX_ANSWER_FILE_BYTES = 20_000_000


def _read_capped(source) -> bytes:
    """At most MAX_ANSWER_FILE_BYTES of a file or stream; FootnoteError beyond that."""
    if isinstance(source, Path):
        name = str(source)
        with source.open("rb") as f:
            data = f.read(MAX_ANSWER_FILE_BYTES + 1)
    else:
        name, data = "standard input", source.read(MAX_ANSWER_FILE_BYTES + 1)
    if len(data) > MAX_ANSWER_FILE_BYTES:
        raise FootnoteError(f"{printable(name)} is larger than {MAX_ANSWER_FILE_BYTES // 1_000_000} MB; an answer "
                            "to check is at most 20,000 characters. Give the answer's own text.")
    return data if isinstance(data, bytes) else data.encode()


def cmd_eval(args, settings: Settings) -> int:
    from eval.run import main as eval_main

    articles = [a.strip() for a in args.articles.split(",") if a.strip()] if args.articles else None
    return eval_main(questions=args.questions, out=args.out, settings=settings, limit=args.limit, articles=articles)


def cmd_app(args, settings: Settings) -> int:
    from streamlit.web import cli as stcli

    from app.engine import preload
    from ingest.formats import MAX_PACKED_BYTES

    if settings.notebook != DEFAULT_NOTEBOOK:  # the notebook the app opens on (the sidebar can switch)
        os.environ["FOOTNOTE_NOTEBOOK"] = settings.notebook
    if args.teacher:  # every visitor gets the teacher view (app/pages/ui.py: teacher)
        os.environ["FOOTNOTE_TEACHER"] = "1"
    preload(settings)  # the server runs in this process: the engine loads while it starts
    page = Path(__file__).with_name("pages") / "streamlit_app.py"
    sys.argv = ["streamlit", "run", str(page), "--server.address", args.host, "--server.port", str(args.port),
                "--server.headless", "true", "--browser.gatherUsageStats", "false",
                "--client.toolbarMode", "viewer",
                # the uploader says the largest file ingest takes (a PDF or .docx), not Streamlit's 200 MB
                "--server.maxUploadSize", str(MAX_PACKED_BYTES // 1_000_000)]
    return stcli.main()


def cmd_serve(args, settings: Settings) -> int:
    from ingest.serve import read_token, serve

    token = read_token(Path(args.token_file) if args.token_file else None, settings.chroma_token)

    def say(line: str) -> None:
        print(f"footnote: {printable(line)}", flush=True)

    def log(line: str) -> None:
        print(f"footnote serve: {printable(line)}", file=sys.stderr, flush=True)

    serve(Path(args.path), args.host, args.port, token, announce=say, log=log, log_requests=args.log_requests)
    return 0


def _print_quote(quote: str) -> None:
    """A footnote's quotation under its header, on one paragraph indented four spaces, 100 wide."""
    import textwrap

    print(textwrap.fill(printable(f"“{' '.join(quote.split())}”"), 100, initial_indent="    ",
                        subsequent_indent="    "))


def cmd_revise(args, settings: Settings) -> int:
    import textwrap

    from app.engine import Engine
    from app.jobs.revise import deck_csv, make_deck
    from ingest.safe_text import json_line

    if not 1 <= args.n <= 200:
        _err(f"--n {args.n}: a deck has 1 to 200 cards")
        return 2
    out = Path(args.out) if args.out else None
    if out is not None and out.suffix.lower() != ".csv":
        _err(f"--out writes a .csv file (Anki imports it), not {out.name}")
        return 2
    engine = Engine.load(settings)
    cards = make_deck(engine, args.n)
    if out is not None:
        try:
            out.write_text(deck_csv(cards), encoding="utf-8")
        except OSError as e:
            _err(f"cannot write {out}: {e.strerror or e}")
            return 2
        print(f"wrote {out}: {_count(len(cards), 'card')} (front, back, source; Anki: File > Import)")
        return 0
    if args.json:
        print(json_line({"cards": [c.to_json() for c in cards]}))
        return 0
    if not cards:
        print("The sources give no sentence a card can be made from.")
    for i, c in enumerate(cards, 1):
        print(textwrap.fill(printable(f"{i:>2}. {c.prompt}"), 100, subsequent_indent="    "))
        print(textwrap.fill(printable(f"Answer: {c.answer} [{c.citation.n}]"), 100, initial_indent="    ",
                            subsequent_indent="    "))
    if cards:
        print()
    for c in cards:
        print(printable(f"[{c.citation.n}] {c.citation.title}, {c.citation.passage_id}:"))
        _print_quote(c.citation.quote)
    return 0


def cmd_timeline(args, settings: Settings) -> int:

    from app.engine import Engine
    from app.engine.answer import with_kind
    from app.jobs import timeline
    from ingest.safe_text import json_line

    if args.start is not None and args.end is not None and args.start > args.end:
        _err(f"--from {args.start} is after --to {args.end}")
        return 2
    out = Path(args.out) if args.out else None
    if out is not None and out.suffix.lower() not in (".md", ".csv", ".docx"):
        _err(f"--out writes .md, .csv or .docx, not {out.name}")
        return 2
    engine = Engine.load(settings)
    if args.doc is not None and args.doc not in engine.library.docs:
        _err(f"no document {args.doc} in the index; `footnote sources` lists them")
        return 2
    chosen = timeline.select(timeline.timeline(engine), args.start, args.end, args.doc)
    entries, citations = timeline.numbered(chosen)
    if out is not None:
        title = "Timeline" + (f" of {engine.library.docs[args.doc].title}" if args.doc else "")
        markdown = timeline.to_markdown(entries, citations, title)
        suffix = out.suffix.lower()
        if suffix == ".docx":
            from app.jobs.export import markdown_docx

            data = markdown_docx(markdown, title)
        else:
            data = (markdown if suffix == ".md" else timeline.to_csv(entries, citations)).encode("utf-8")
        try:
            out.write_bytes(data)
        except OSError as e:
            _err(f"cannot write {out}: {e.strerror or e}")
            return 2
        print(f"wrote {out}: {len(entries)} {'entry' if len(entries) == 1 else 'entries'}, "
              f"{_count(len(citations), 'citation')}")
        return 0
    if args.json:
        print(json_line(timeline.to_json(entries, citations)))
        return 0
    width = max((len(e.when.iso()) for e in entries), default=10)
    for e in entries:
        note = f"  ! {timeline.conflict_note(e)}" if e.conflicts else ""
        print(printable(f"{e.when.iso():<{width}}  {e.label} {timeline.marks(e.citations)}{note}"))
    if not entries:
        print("No dated events in the sources for that choice.")
    print()
    for c in citations:
        print(printable(f"[{c.n}] {with_kind(c.title, c.kind)}, {c.passage_id}, characters {c.start}-{c.end}:"))
        _print_quote(c.quote)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="footnote", description="Answers history questions from its sources, "
                                "with a footnote on every sentence.")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("ingest", help="clean, split, embed and index documents (default: corpus/raw)")
    s.add_argument("paths", nargs="*", help="files or folders of .txt, .md or .html")
    s.add_argument("--rebuild", action="store_true", help="drop the index and build it again")
    s.add_argument("--progress", action="store_true", help="show the progress bar even when not on a terminal")
    _notebook_arg(s)
    s.set_defaults(func=cmd_ingest)

    s = sub.add_parser("notebooks", help="list the notebooks with their document and passage counts")
    s.add_argument("--remove", metavar="NAME", help="delete a notebook, its index and its uploaded files")
    s.add_argument("--yes", action="store_true", help="with --remove: do not ask for confirmation")
    s.set_defaults(func=cmd_notebooks)

    s = sub.add_parser("sources", help="list the indexed documents")
    _notebook_arg(s)
    s.set_defaults(func=cmd_sources)

    s = sub.add_parser("status", help="where the index lives and what it holds")
    _notebook_arg(s)
    s.set_defaults(func=cmd_status)

    s = sub.add_parser("ask", help="answer a question with footnotes")
    s.add_argument("question", nargs="*")
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.add_argument("--file", help="questions, one per line (- for standard input); prints JSON lines")
    s.add_argument("--conversation", action="store_true",
                   help="with --file: the lines are turns of one conversation, follow-ups resolved against "
                   "earlier turns (a blank line starts a new one)")
    s.add_argument("--llm", default=os.environ.get("FOOTNOTE_LLM_URL"),
                   help="an OpenAI-compatible or Ollama server URL for generative answers")
    s.add_argument("--model", default=os.environ.get("FOOTNOTE_LLM_MODEL"), help="the model name on that server")
    _notebook_arg(s)
    s.set_defaults(func=cmd_ask)

    s = sub.add_parser("plan", help="a cited essay plan for a question")
    _notebook_arg(s)
    s.add_argument("question", nargs="+")
    s.add_argument("--json", action="store_true", help="print the plan as one JSON object")
    s.add_argument("--out", help="also write the plan to a .md or .docx file")
    s.add_argument("--llm", default=os.environ.get("FOOTNOTE_LLM_URL"),
                   help="an LLM server to write the points (each checked against its quotes)")
    s.add_argument("--model", default=os.environ.get("FOOTNOTE_LLM_MODEL"), help="the model name on that server")
    s.set_defaults(func=cmd_plan)

    s = sub.add_parser("debate", help="who argues what: the historians and writers the sources name, cited")
    _notebook_arg(s)
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.set_defaults(func=cmd_debate)

    s = sub.add_parser("check", help="check a student's answer against the sources, sentence by sentence")
    _notebook_arg(s)
    s.add_argument("--question", required=True, help="the question the student answered")
    s.add_argument("--answer", required=True, help="the answer: a .txt or .docx file, or - for standard input")
    s.add_argument("--json", action="store_true", help="print one JSON object (schema: docs/schemas/check.schema.json)")
    s.add_argument("--key-points", help="the key points to look for, one a line (default: the evaluation set's "
                   "for its questions, else what the sources give: the reasons they state for a why-question, "
                   "their judgements for 'how successful', both for 'to what extent')")
    s.add_argument("--out", help="also write the check to this .md or .docx file")
    s.set_defaults(func=cmd_check)

    s = sub.add_parser("eval", help="run the evaluation set and write a report")
    s.add_argument("--questions", help="a questions file: eval/questions.yaml's format, or the tuning set's questions.jsonl")
    s.add_argument("--out", help="folder for the run (default: eval/runs/<time>)")
    s.add_argument("--limit", type=int, help="only the first N questions")
    s.add_argument("--articles", help="tuning-set format only: the articles to use, comma-separated (default all)")
    _notebook_arg(s)
    s.set_defaults(func=cmd_eval)

    s = sub.add_parser("revise", help="flashcards from the sources, each footnoted to its sentence (CSV for Anki)")
    _notebook_arg(s)
    s.add_argument("--n", type=int, default=20, help="how many cards (default 20)")
    s.add_argument("--json", action="store_true", help="print one JSON object: the cards with their citations")
    s.add_argument("--out", metavar="FILE", help="write the deck to FILE.csv (front, back, source) for Anki")
    s.set_defaults(func=cmd_revise)

    s = sub.add_parser("timeline", help="the dated events in the sources, in order, each with its footnotes")
    _notebook_arg(s)
    s.add_argument("--from", dest="start", type=int, metavar="YEAR", help="from this year on")
    s.add_argument("--to", dest="end", type=int, metavar="YEAR", help="up to this year")
    s.add_argument("--doc", metavar="ID", help="only what this document dates (`footnote sources` lists ids)")
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.add_argument("--out", metavar="FILE", help="write the timeline to FILE.md, FILE.csv or FILE.docx")
    s.set_defaults(func=cmd_timeline)

    s = sub.add_parser("app", help="start the Streamlit app (the student view; --teacher for the teacher's)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8501)
    s.add_argument("--teacher", action="store_true", help="the teacher view for every visitor: uploads, editing, "
                   "Check an answer, Evaluation, settings (run it on the teacher's own machine; for a shared app "
                   "set FOOTNOTE_TEACHER_PASSPHRASE instead)")
    _notebook_arg(s)
    s.set_defaults(func=cmd_app)

    s = sub.add_parser("serve", help="a Chroma server for several app processes, open only to holders of a token")
    s.add_argument("--path", required=True, metavar="DIR", help="the folder Chroma keeps its data in")
    s.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=8000, help="the port to listen on (default 8000)")
    s.add_argument("--token-file", metavar="FILE", help="read the token from FILE's first line "
                   "(default: FOOTNOTE_CHROMA_TOKEN)")
    s.add_argument("--log-requests", action="store_true", help="say every forwarded request on stderr")
    s.set_defaults(func=cmd_serve)
    return p


class _Printable:
    """Standard output with every string passed through printable (ingest/safe_text.py) on its way out,
    so no line any command prints can carry an escape sequence, a C1 control or a bidi override, however
    it was built (file names, titles, passages, answers). Values that are one line by nature go through
    one_line as well where they are printed. Standard error is left alone for tqdm's redrawn bar; every
    message to it goes through _err, which applies printable itself."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(printable(text))

    def __getattr__(self, name):
        return getattr(self._stream, name)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    stdout, sys.stdout = sys.stdout, _Printable(sys.stdout)
    try:
        return args.func(args, _notebook_settings(args, Settings.from_env()))
    except FootnoteError as e:
        _err(str(e))
        return 2
    except KeyboardInterrupt:
        _err("interrupted; the index is as it was before this command")
        return 130
    except BrokenPipeError:
        return 0
    finally:
        sys.stdout = stdout


if __name__ == "__main__":
    sys.exit(main())
