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
from eval.evalset import DEFAULT_QUESTIONS, EvalSetError, entry_lines, load, locate
from eval.run import RUNS, SYSTEMS, list_runs, record, runs_beside, stamp
from ingest.errors import FootnoteError

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
    upload = st.file_uploader("Questions file (optional): the evaluation format of eval/questions.yaml", type=["yaml", "yml"],
                              key="eval_upload", help="Without one, the shipped evaluation set is used.")
    start = st.button("Run the evaluation again", key="eval_start", icon=":material/play_arrow:", type="primary")
    if start:
        try:
            engine = ui.engine()
            if upload is not None:
                text = upload.getvalue().decode("utf-8", errors="replace")
                with tempfile.TemporaryDirectory() as tmp:
                    path = Path(tmp) / Path(upload.name).name
                    path.write_text(text, encoding="utf-8")
                    try:
                        qs = locate(load(path), {d: doc.text for d, doc in engine.library.docs.items()})
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
        st.info("No evaluation has been run yet. Press the button below, or run `footnote eval` in a terminal.",
                icon=":material/info:")
        return

    labels = {str(r): run_label(r) for r in runs}
    if st.session_state.get("eval_run") not in labels:
        st.session_state["eval_run"] = str(runs[0])
    st.subheader("Latest run")
    chosen = Path(st.selectbox("Run", list(labels), format_func=labels.get, key="eval_run"))
    results = results_of(chosen)
    systems, targets = results["systems"], {t["metric"]: t["target"] for t in results["targets"]}

    rows = []
    for key, _, label in report.ROWS:
        fn = systems["footnote"]["summary"].get(key)
        row = {"metric": label}
        row |= {systems[name]["label"]: report.fmt(systems[name]["summary"].get(key), key) for name in SYSTEMS}
        row["target"] = f"≥ {report.fmt(targets[key], key)}" if key in targets else ""
        row["met"] = ("yes" if fn >= targets[key] else "no") if key in targets and fn is not None else ""
        rows.append(row)
    st.dataframe(rows, hide_index=True, width="stretch", key="eval_headline", height=35 * (len(rows) + 1) + 3)
    for name, caption in CHARTS.items():
        if (chosen / name).is_file():
            st.image(str(chosen / name), caption=caption)

    st.subheader("Questions")
    qrows = []
    for r in results["questions"]:
        run, answer = r["runs"]["footnote"], r["runs"]["footnote"]["answer"]
        cits = answer["citations"]
        qrows.append({
            "id": r["id"], "question": r["question"], "in the sources": r["answerable"],
            "answered": not answer["abstained"],
            "gold in top 5": run["retrieval"]["hit"]["5"] if run["retrieval"] else None,
            "key points": f"{answer['kp_coverage']:.0%}" if answer.get("kp_coverage") is not None else "",
            "citations supporting": f"{sum(c['supports'] for c in cits)}/{len(cits)}" if cits else "",
            "misses": ", ".join(report.MISS_WORDS.get(m, m) for m in r["misses"]),
        })
    st.dataframe(qrows, hide_index=True, width="stretch", key="eval_questions")

    by_id = {r["id"]: r for r in results["questions"]}
    qid = st.selectbox("Open a question", list(by_id), key="eval_question",
                       format_func=lambda i: f"{i}: {ui.shown(by_id[i]['question'])}")
    r = by_id[qid]
    answer = r["runs"]["footnote"]["answer"]
    st.markdown(f"**{ui.md(r['question'])}**")
    if answer["abstained"]:
        st.info("Footnote declined: " + ("correctly, the sources do not cover it." if not r["answerable"]
                                         else "but the sources do cover it."), icon=":material/block:")
    else:
        marks = {s["text"]: "".join(f"<sup>[{n}]</sup>" for n in s["citations"]) for s in answer["sentences"]}
        st.markdown('<div style="line-height:1.7">' + " ".join(ui.esc(t) + m for t, m in marks.items()) + "</div>",
                    unsafe_allow_html=True)
        for c in answer["citations"]:
            ok = "supports its sentence" if c["supports"] else "does not support its sentence"
            gold = " · on gold evidence" if c.get("on_gold") else ""
            with st.expander(f"**\\[{c['n']}\\]** {ui.md(c['passage_id'])} · {ok}{gold}", key=f"eval-fn-{c['n']}"):
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
        st.dataframe([{"metric": label, labels[str(chosen)]: report.fmt(mine.get(key), key),
                       labels[str(other)]: report.fmt(theirs.get(key), key)} for key, _, label in report.ROWS],
                     hide_index=True, width="stretch", key="eval_compare")



view_box, run_box = st.container(), st.container()
with run_box:
    run_section()
with view_box:
    view_section()
ui.index_status()
