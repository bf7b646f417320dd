"""Evaluation: how well Footnote answers the evaluation set, from the runs `footnote eval` (or this page)
wrote. Headline metrics beside the baselines with the report's charts, every question with its scores and a
drill-down to its answer, citations and key points; a button that runs the evaluation again with a progress
bar, on the shipped questions or a teacher's own file; and two runs side by side.

Runs are read from eval/runs/ (the command's default) and from the folder beside the index where this page
writes its own (eval.run.runs_beside). The page reads results.json and draws; eval/ computes everything."""

import json
import logging
import tempfile
from pathlib import Path

import streamlit as st

from app.pages import ui
from eval import report
from eval.evalset import (
    DEFAULT_QUESTIONS,
    TABLE_SUFFIXES,
    EvalSetError,
    entry_lines,
    from_table,
    load,
    locate,
)
from eval.run import RUNS, SYSTEMS, list_runs, record, runs_beside, stamp
from ingest.errors import FootnoteError

# Each figure in a teacher's words: what it is called here, and what it means, in one line. The keys are
# eval/report.py's; the figures are computed there.
PLAIN = {
    "hit@1": ("The top passage is the right one", "the first passage Footnote reads holds the evidence for the answer"),
    "hit@3": ("The right passage is in the top 3", "one of the first three passages read holds the evidence"),
    "hit@5": ("The right passage is in the top 5", "one of the five passages read holds the evidence"),
    "recall@1": ("Key points found, first passage", "the share of key points whose evidence is in the first passage"),
    "recall@3": ("Key points found, first 3 passages", "the same in the first three passages"),
    "recall@5": ("Key points found, first 5 passages", "the same in the five passages read"),
    "mrr": ("How high the right passage ranks", "1 when it comes first, ½ second, ⅓ third ... (0 after the fifth)"),
    "kp_coverage": ("Key points in the answer", "the share of a question's key points the answer states"),
    "citation_precision": ("Footnotes that back their sentence", "the cited passage says what the sentence says"),
    "citation_on_gold": ("Footnotes on the expected evidence", "the cited sentence is one the question's key points name"),
    "answers_citing_gold": ("Answers citing the expected evidence", "at least one footnote is on it"),
    "first_on_gold": ("The first footnote is the right passage", "the answer's first footnote is on the expected evidence"),
    "citation_recall": ("Sentences backed by their footnotes", "the answer's sentences whose footnotes support them"),
    "answered": ("Questions the sources cover, answered", "Footnote answered rather than declined"),
    "declined": ("Questions the sources do not cover, declined", "Footnote said the sources do not say, as it should"),
    "latency_p50_ms": ("Time to answer, typical", "half of the answers took less"),
    "latency_p95_ms": ("Time to answer, slowest", "19 answers in 20 took less"),
}

CHARTS = {
    "metrics.png": "Footnote and the two baselines on the same questions (dashed: targets).",
    "keypoints.png": "Key points stated, per answerable question (red: under the 80% target).",
    "latency.png": "How long Footnote took per question.",
    "tradeoff.png": "The share of each kind of question answered as the abstention threshold moves.",
}

st.title("Evaluation")
st.markdown("How well Footnote answers the study questions in its own sources: whether it finds the right "
            "passage, whether its citations hold the evidence, how many key points it covers, whether it "
            "declines questions the sources do not cover, and how fast it is, beside two simple baselines.")

settings = ui.settings()  # the notebook chosen in the sidebar


@st.cache_data(show_spinner=False, max_entries=16)
def read_results(path: str, mtime: float) -> dict:  # mtime: a rewritten run is read again
    return json.loads(Path(path).read_text(encoding="utf-8"))


def results_of(folder: Path) -> dict:
    f = folder / "results.json"
    return read_results(str(f), f.stat().st_mtime)


def run_label(folder: Path) -> str:
    try:
        meta = results_of(folder).get("meta", {})
    except (OSError, ValueError):
        return f"{folder.name} (unreadable)"
    n = results_of(folder)["systems"]["footnote"]["summary"].get("questions", "?")
    source = Path(str(meta.get("questions_file", ""))).name or "?"
    return f"{meta.get('date', folder.name).replace('T', ' ')} · {n} questions · {source}"


def problems(message: str, text: str) -> list[str]:
    """An EvalSetError's problems one by one, each with the line of the entry it names."""
    head, _, rest = message.partition(": ")
    items = [i.strip().rstrip(".") for i in rest.split("; ")] if rest else [message]
    lines = entry_lines(text)
    out = []
    for item in items:
        name = item.split(":", 1)[0]
        line = lines.get(name)
        out.append(f"line {line}, {item}" if line else item)
    return out


# --- running the evaluation: drawn below the runs, but run first so that a new run is listed ------------


def run_section() -> None:

    st.subheader("Run the evaluation")
    upload = st.file_uploader("Your own questions (optional): CSV or JSON Lines with `question` and `evidence` "
                              "(a sentence copied from the sources; empty for a question they should not answer), "
                              "or the YAML format of eval/questions.yaml", type=["csv", "jsonl", "yaml", "yml"],
                              key="eval_upload", help="Without one, the shipped evaluation set is used.")
    again = bool(list_runs(runs_beside(settings), RUNS))
    start = st.button("Run the evaluation again" if again else "Run the evaluation", key="eval_start",
                      icon=":material/play_arrow:", type="primary")
    if start:
        try:
            engine = ui.engine()
            if upload is not None:
                text = upload.getvalue().decode("utf-8", errors="replace")
                with tempfile.TemporaryDirectory() as tmp:
                    path = Path(tmp) / Path(upload.name).name
                    path.write_text(text, encoding="utf-8")
                    try:
                        texts = {d: doc.text for d, doc in engine.library.docs.items()}
                        qs = locate(from_table(text, upload.name, texts) if path.suffix.lower() in TABLE_SUFFIXES
                                    else load(path), texts)
                    except EvalSetError as e:
                        st.error(f"{ui.md(upload.name)} cannot be used. Fix these and upload it again:",
                                 icon=":material/error:")
                        st.markdown("\n".join(f"- {ui.md(p)}" for p in problems(str(e), text)))
                        return
                source = Path(upload.name)
            else:
                qs, source = locate(load(DEFAULT_QUESTIONS), {d: doc.text for d, doc in engine.library.docs.items()}), \
                    DEFAULT_QUESTIONS
            bar = st.progress(0.0, text=f"Evaluating {len(qs)} questions…")

            def progress(done: int, total: int) -> None:
                bar.progress(done / total, text=f"Evaluated {done} of {total} questions")

            folder = runs_beside(settings) / stamp()
            record(engine, qs, folder, settings, source, progress=progress)
            st.session_state["eval_run"] = str(folder.resolve())
            st.success(f"Run saved in {ui.md(str(folder))}.", icon=":material/check_circle:")
        except FootnoteError as e:
            st.error(ui.message(str(e)), icon=":material/error:")
        except Exception as e:  # a bug: a message the teacher can pass on, the traceback in the server's log
            logging.getLogger("footnote").exception("the evaluation failed")
            st.error(ui.message(f"The evaluation failed (an internal error: {type(e).__name__}). Please report it."),
                     icon=":material/error:")



# --- the runs ---------------------------------------------------------------------------------------------


def view_section() -> None:

    runs = list_runs(runs_beside(settings), RUNS)
    if not runs:
        st.info("No evaluation has been run yet. Press **Run the evaluation** below (a minute or two on the "
                "shipped questions), or run `footnote eval` in a terminal; the figures appear here.",
                icon=":material/info:")
        return

    labels = {str(r): run_label(r) for r in runs}
    if st.session_state.get("eval_run") not in labels:
        st.session_state["eval_run"] = str(runs[0])
    st.subheader("Latest run")
    chosen = Path(st.selectbox("Run", list(labels), format_func=labels.get, key="eval_run"))
    results = results_of(chosen)
    systems, targets = results["systems"], {t["metric"]: t["target"] for t in results["targets"]}

    # One line per figure, in words that wrap on a phone: Footnote's figure, its target, the baselines'.
    baselines = [name for name in SYSTEMS if name != "footnote"]
    lines = []
    for key, _, label in report.ROWS:
        fn = systems["footnote"]["summary"].get(key)
        name, meaning = PLAIN.get(key, (label, ""))
        target = ""
        if key in targets and fn is not None:
            met = fn <= targets[key] if key.startswith("latency") else fn >= targets[key]
            target = f" · target {report.fmt(targets[key], key)} {'✓' if met else '✗ not met'}"
        others = ", ".join(f"{systems[b]['label']} {report.fmt(systems[b]['summary'].get(key), key)}" for b in baselines
                           if systems[b]["summary"].get(key) is not None)
        lines.append(f'<div style="margin:.15em 0 .6em 0;line-height:1.45"><b>{ui.esc(name)}: '
                     f'{ui.esc(report.fmt(fn, key))}</b>{ui.esc(target)}<br><small style="color:#475569">'
                     f'{ui.esc(meaning)}{"; " if meaning and others else ""}{ui.esc(others)}</small></div>')
    st.markdown("".join(lines), unsafe_allow_html=True)
    for name, caption in CHARTS.items():
        if (chosen / name).is_file():
            st.image(str(chosen / name), caption=caption)

    st.subheader("Questions")
    qrows = []
    for r in results["questions"]:
        run, answer = r["runs"]["footnote"], r["runs"]["footnote"]["answer"]
        cits = answer["citations"]
        qrows.append({
            "question": r["question"], "covered by the sources": r["answerable"],
            "answered": not answer["abstained"],
            "right passage read": run["retrieval"]["hit"]["5"] if run["retrieval"] else None,
            "key points": f"{answer['kp_coverage']:.0%}" if answer.get("kp_coverage") is not None else "",
            "footnotes that back": f"{sum(c['supports'] for c in cits)}/{len(cits)}" if cits else "",
            "what went wrong": ", ".join(report.MISS_WORDS.get(m, m) for m in r["misses"]),
        })
    st.dataframe(qrows, hide_index=True, width="stretch", key="eval_questions")

    by_id = {r["id"]: r for r in results["questions"]}
    qid = st.selectbox("Open a question", list(by_id), key="eval_question",
                       format_func=lambda i: f"{i}: {ui.shown(by_id[i]['question'])}")
    r = by_id[qid]
    answer = r["runs"]["footnote"]["answer"]
    ui.footnote_links()  # the marks of the answer below open their footnotes
    st.markdown(f"**{ui.md(r['question'])}**")
    if answer["abstained"]:
        st.info("Footnote declined: " + ("correctly, the sources do not cover it." if not r["answerable"]
                                         else "but the sources do cover it."), icon=":material/block:")
    else:
        marks = {s["text"]: "".join(ui.fn_ref("eval-fn", n) for n in s["citations"]) for s in answer["sentences"]}
        st.markdown('<div style="line-height:1.7">' + " ".join(ui.esc(t) + m for t, m in marks.items()) + "</div>",
                    unsafe_allow_html=True)
        for c in answer["citations"]:
            ok = "supports its sentence" if c["supports"] else "does not support its sentence"
            gold = " · on the expected evidence" if c.get("on_gold") else ""
            with st.expander(f"**\\[{c['n']}\\]** {ui.md(c['passage_id'])} · {ok}{gold}",
                             key=ui.fn_key("eval-fn", c["n"])):
                st.markdown(ui.highlight(c["quote"], [(0, len(c["quote"]))]), unsafe_allow_html=True)
                ui.sources_link(c["doc_id"], c["passage_id"], c["start"], c["end"], label="Read it in the document")
    for k in answer.get("key_points", []):
        icon, colour = ("✓", "#047857") if k["stated"] else ("✗", "#b91c1c")
        how = f' <small style="color:#6b7280">(says “{ui.esc(k["stated"])}”)</small>' if k["stated"] else ""
        st.markdown(f'<div><b style="color:{colour}">{icon}</b> {ui.esc(k["point"])}{how}</div>', unsafe_allow_html=True)
    for d in r.get("diagnosis") or []:
        st.caption(ui.md(d))

    # --- two runs side by side -------------------------------------------------------------------------------

    st.subheader("Compare two runs")
    if len(runs) < 2:
        st.caption("Only one run so far: run the evaluation again to compare.")
    else:
        other = Path(st.selectbox("Compare with", [k for k in labels if k != str(chosen)], format_func=labels.get,
                                  key="eval_other"))
        theirs = results_of(other)["systems"]["footnote"]["summary"]
        mine = systems["footnote"]["summary"]
        st.dataframe([{"figure": PLAIN.get(key, (label,))[0], labels[str(chosen)]: report.fmt(mine.get(key), key),
                       labels[str(other)]: report.fmt(theirs.get(key), key)} for key, _, label in report.ROWS],
                     hide_index=True, width="stretch", key="eval_compare")



view_box, run_box = st.container(), st.container()
with run_box:
    run_section()
with view_box:
    view_section()
ui.index_status()
