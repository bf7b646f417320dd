"""report.md: the evaluation written for a teacher, from results (run.py's dict) and the chart files.

Order: what was run; targets met or not; Footnote beside the baselines; what each number means; the
questions that miss a target and why; every question in one table; then a drill-down per question
(the answer, its citations, key points stated or missed, what was retrieved). Source text is escaped
so it shows literally. This module only renders.
"""

from __future__ import annotations

import re

from .diagnose import unknown
from .metrics import DEFINITIONS

# Every headline metric, in table order: (key in the summary, short label for the terminal, label here).
ROWS = [
    ("hit@1", "gold in top 1", "Gold evidence in the top passage"),
    ("hit@3", "gold in top 3", "Gold evidence in the top 3 passages"),
    ("hit@5", "gold in top 5", "Gold evidence in the top 5 passages"),
    ("recall@1", "key points retrieved @1", "Key points retrieved, top 1"),
    ("recall@3", "key points retrieved @3", "Key points retrieved, top 3"),
    ("recall@5", "key points retrieved @5", "Key points retrieved, top 5"),
    ("mrr", "MRR@5", "Mean reciprocal rank of gold (MRR@5)"),
    ("kp_coverage", "key points stated", "Key points stated in the answer"),
    ("citation_precision", "citation precision", "Citations that support their sentence"),
    ("citation_on_gold", "citations on gold", "Citations on gold evidence (stricter)"),
    ("answers_citing_gold", "answers citing gold", "Answers citing gold evidence at least once"),
    ("first_on_gold", "first citation on gold", "Answers whose first citation is gold evidence"),
    ("citation_recall", "citation recall", "Answer sentences supported by their citations"),
    ("answered", "in-corpus answered", "In-corpus questions answered"),
    ("declined", "out-of-corpus declined", "Out-of-corpus questions declined"),
    ("latency_p50_ms", "latency p50", "Latency, median"),
    ("latency_p95_ms", "latency p95", "Latency, 95th percentile"),
]
DEF_KEY = {"hit@1": "hit@k", "hit@3": "hit@k", "hit@5": "hit@k", "recall@1": "recall@k", "recall@3": "recall@k",
           "recall@5": "recall@k", "latency_p50_ms": "latency", "latency_p95_ms": "latency"}
DEF_LABEL = {"hit@k": "Gold evidence in the top k passages", "recall@k": "Key points retrieved, top k",
             "latency": "Latency"}
MISS_WORDS = {"hit@5": "no gold evidence in the top 5", "answered": "declined an in-corpus question",
              "declined": "answered an out-of-corpus question", "kp_coverage": "key points under 80%",
              "citation_precision": "a citation does not support its sentence"}

_MD = re.compile(r"([\\`*_\[\]<>|#])")


def esc(text: str) -> str:
    """Source text shown literally in Markdown (no accidental emphasis, links, HTML or table breaks)."""
    return _MD.sub(r"\\\1", " ".join(str(text).split()))


def fmt(value, key: str) -> str:
    if value is None:
        return "n/a"
    if key.endswith("_ms"):
        return f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms"
    if key == "mrr":
        return f"{value:.2f}"
    return f"{100 * value:.0f}%"


def ratio(systems: dict, key: str) -> str:
    """Footnote ÷ the better baseline; blank where a ratio means nothing (latency, abstention: the
    baselines cannot decline)."""
    fn = systems["footnote"]["summary"].get(key)
    base = [systems[b]["summary"].get(key) for b in ("bm25", "dense")]
    base = [b for b in base if b is not None]
    if fn is None or not base or key.endswith("_ms") or key in {"answered", "declined"}:
        return ""
    best = max(base)
    return f"×{fn / best:.2f}" if best > 0 else ""


def render(results: dict, charts: list[tuple[str, str]]) -> str:
    meta, systems, qs = results["meta"], results["systems"], results["questions"]
    fs = systems["footnote"]["summary"]
    out = [f"# Footnote evaluation, {meta['date'].replace('T', ' ')}", ""]
    out += [
        f"Footnote was asked **{fs['questions']} questions** from `{meta['questions_file']}`: "
        f"{fs['answerable']} that its sources answer and {fs['unanswerable']} that they deliberately do not "
        "(it should decline those). Every answer was scored against the key points and gold evidence "
        "written down for each question. Two simpler systems ran on the same questions over the same "
        "passages, so each improvement shows as a ratio: **BM25 only** (keyword search) and **Dense only** "
        "(embedding search, what most chat-with-your-documents tools do).",
        "",
        f"Index: {esc(meta['index'])}; embedding model {meta['model']}; top {meta['top_k']} passages per "
        f"question. The whole run took {meta['seconds']:.0f} s ({meta['load_seconds']:.0f} s of it loading)"
        + _busy(meta) + ".",
        "",
        *_in_short(results),
        "## Targets",
        "",
        "| target | goal | Footnote | met? |",
        "|---|---:|---:|:---:|",
    ]
    for t in results["targets"]:
        v = fs.get(t["metric"])
        met = "n/a" if v is None else ("yes" if v >= t["target"] else "**no**")
        out.append(f"| {t['what']} | ≥ {fmt(t['target'], t['metric'])} | {fmt(v, t['metric'])} | {met} |")
    out += ["", "## Footnote beside the baselines", "",
            "| metric | " + " | ".join(s["label"] for s in systems.values()) + " | Footnote ÷ best baseline |",
            "|---|" + "---:|" * (len(systems) + 1)]
    for key, _, label in ROWS:
        cells = [fmt(s["summary"].get(key), key) for s in systems.values()]
        out.append(f"| {label} | " + " | ".join(cells) + f" | {ratio(systems, key)} |")
    out += ["", "The baselines cannot decline and their 'answer' is the first sentence of their top passage, "
            "cited; their citation precision is 100% for the same reason as Footnote's (the answer *is* the "
            "quote). Baseline latency is their retrieval call only (for Dense only, with embedding the question).", ""]
    for name, caption in charts[:1]:
        out += [f"![{caption}]({name})", "", f"*{caption}*", ""]

    out += ["## What the numbers mean", ""]
    seen = set()
    for key, _, label in ROWS:
        d = DEF_KEY.get(key, key)
        if d in seen:
            continue
        seen.add(d)
        label = DEF_LABEL.get(d, label)
        out.append(f"- **{label}** (`{d}`): {DEFINITIONS[d]}")
    out += ["- **Gold evidence**: for every key point the set names 1-3 exact quotes in the sources that "
            "support it. A question's gold evidence is all of them.", ""]

    out += _misses(qs)
    out += _table(qs)
    for name, caption in charts[1:]:
        out += [f"![{caption}]({name})", "", f"*{caption}*", ""]
    out += ["## Every question in detail", ""]
    for r in qs:
        out += _drill(r)
    return "\n".join(out).rstrip() + "\n"


def _busy(meta: dict) -> str:
    load, cpus = meta.get("load_average"), meta.get("cpu_count")
    if load is None or not cpus:
        return ""
    note = "; other work was competing for it, so take the timings as upper bounds" if load > cpus else ""
    return f", on {cpus} CPU cores with a load average of {load:.1f}{note}"


def _in_short(results: dict) -> list[str]:
    """The headline in three sentences, for a reader who stops here."""
    fs = results["systems"]["footnote"]["summary"]
    parts = []
    if fs["answerable"]:
        a = round((fs["answered"] or 0) * fs["answerable"])
        parts.append(f"Footnote answered {a} of the {fs['answerable']} questions its sources cover, and its answers "
                     f"state {fmt(fs['kp_coverage'], 'kp_coverage')} of the key points a good answer needs (target 80%).")
        parts.append(f"For {fmt(fs['hit@5'], 'hit@5')} of those questions a passage holding the gold evidence was "
                     f"among the five it retrieved (target 97%). {fmt(fs['citation_precision'], 'x')} of its "
                     f"citations support their sentence (target 98%); {fmt(fs['citation_on_gold'], 'x')} point at "
                     "the very evidence the set names.")
    if fs["unanswerable"]:
        d = round((fs["declined"] or 0) * fs["unanswerable"])
        parts.append(f"It declined {d} of the {fs['unanswerable']} questions its sources do not cover (target 95%).")
    return ["**In short.** " + " ".join(parts), ""] if parts else []


def _misses(qs: list[dict]) -> list[str]:
    bad = [r for r in qs if r["misses"]]
    out = ["## Questions that miss a target, and why", ""]
    if not bad:
        return out + ["None: every question meets every target.", ""]
    out += [f"{len(bad)} of {len(qs)} questions miss at least one target.", ""]
    out += _where_lost(qs)
    for r in bad:
        what = "; ".join(MISS_WORDS.get(m, m) for m in r["misses"])
        out.append(f"- **[{r['id']}](#{r['id']})** {esc(r['question'])} — *{what}*")
        for d in r["diagnosis"]:
            out.append(f"  - {esc(d)}")
    return out + [""]


def _where_lost(qs: list[dict]) -> list[str]:
    """Where the key points are lost along the chain: never retrieved, or retrieved but not used."""
    n = stated = retrieved_unused = not_retrieved = 0
    for r in qs:
        if not r["answerable"]:
            continue
        fn = r["runs"]["footnote"]
        for got, at in zip(fn["answer"]["key_points"], fn["retrieval"]["kp_found_at"], strict=True):
            n += 1
            if got["stated"]:
                stated += 1
            elif at:
                retrieved_unused += 1
            else:
                not_retrieved += 1
    if not n:
        return []
    return [f"Where key points are lost: of {n} key points, the answers state {stated}. Of the "
            f"{n - stated} missed, {not_retrieved} were not retrieved (their evidence is in none of the top 5 "
            f"passages) and {retrieved_unused} were retrieved but the composer chose other sentences.", ""]


def _table(qs: list[dict]) -> list[str]:
    out = ["## Every question at a glance", "",
           "Gold rank: position of the first passage holding gold evidence among the top 5 (– = none), "
           "for Footnote / BM25 only / Dense only.", "",
           "| id | question | should | Footnote did | gold rank | key points | citations on gold | ms | ok |",
           "|---|---|---|---|---|---:|---:|---:|:---:|"]
    for r in qs:
        fn = r["runs"]["footnote"]
        a = fn["answer"]
        did = "declined" if a["abstained"] else f"answered ({len(a['sentences'])} sentences)"
        if r["answerable"]:
            ranks = " / ".join(str(r["runs"][s]["retrieval"]["gold_rank"] or "–") for s in ("footnote", "bm25", "dense"))
            kp = sum(1 for k in a["key_points"] if k["stated"])
            kps = f"{kp}/{len(a['key_points'])}"
            on = [c["on_gold"] for c in a["citations"]]
            gold = f"{sum(on)}/{len(on)}" if on else "–"
        else:
            ranks, kps, gold = "", "", ""
        q = r["question"] if len(r["question"]) <= 60 else r["question"][:59] + "…"
        out.append(f"| [{r['id']}](#{r['id']}) | {esc(q)} | {'answer' if r['answerable'] else 'decline'} | {did} "
                   f"| {ranks} | {kps} | {gold} | {fn['latency_ms']:.0f} | {'✗' if r['misses'] else '✓'} |")
    return out + [""]


def _drill(r: dict) -> list[str]:
    fn = r["runs"]["footnote"]
    a = fn["answer"]
    out = [f'<a id="{r["id"]}"></a>', "", f"### {r['id']}: {esc(r['question'])}", ""]
    expect = "answerable from the sources" if r["answerable"] else "not answerable from the sources (should decline)"
    out.append(f"*{expect}; origin: {r['origin'] or 'not given'}.*" + (f" Note: {esc(r['note'])}" if r["note"] else ""))
    out.append("")
    if r["misses"]:
        out += ["**Misses:** " + "; ".join(MISS_WORDS.get(m, m) for m in r["misses"]) + ".", ""]
        out += [f"- {esc(d)}" for d in r["diagnosis"]] + [""]
    out += ["**Footnote's answer**" + (" (declined)" if a["abstained"] else "") + f", {fn['latency_ms']:.0f} ms:", "",
            f"> {esc(a['text'])}", ""]
    ev = fn.get("evidence") or {}
    if "top_sim" in ev:
        out += [f"How sure Footnote was that its sources cover the question: best sentence similarity "
                f"{ev['top_sim']:.2f}, share of the question's words found {ev.get('coverage', 0):.2f}"
                f"{esc(unknown(ev))}.", ""]
    for w in a.get("warnings", []):
        out += [f"Footnote's own warning: {esc(w)}", ""]
    if a["citations"]:
        out.append("**Citations**")
        out.append("")
        for c in a["citations"]:
            marks = []
            if c["on_gold"] is not None:
                marks.append("on gold evidence" if c["on_gold"] else "not gold evidence")
            marks.append("supports its sentence" if c["supports"] else "**does not support its sentence**")
            out.append(f"{c['n']}. `{c['passage_id']}`, characters {c['start']}–{c['end']} ({', '.join(marks)}): "
                       f"“{esc(c['quote'])}”")
        out.append("")
    if r["answerable"]:
        out += ["**Key points**", ""]
        found = fn["retrieval"]["kp_found_at"]
        deep = fn.get("deep", {})
        later = deep.get("kp_found_at") or [None] * len(found)
        for kp, got, at, lat in zip(r["key_points"], a["key_points"], found, later, strict=True):
            where = (f"evidence in retrieved passage {at}" if at else
                     f"evidence not retrieved; first at rank {lat}" if lat else
                     f"evidence not in the top {deep.get('k', 20)}")
            if got["stated"]:
                out.append(f"- ✓ {esc(kp['point'])} (says “{esc(got['stated'])}”; {where})")
            else:
                quote = kp["evidence"][0]
                out.append(f"- ✗ {esc(kp['point'])} ({where}). The sources say: “{esc(quote['quote'])}” "
                           f"(`{quote['doc']}`)")
        out.append("")
        rows = [f"{rank}. `{pid}`" + (" (holds gold evidence)" if gold else "")
                for rank, (pid, gold) in enumerate(zip(fn["retrieved"], fn["retrieval"]["gold_at"], strict=True), 1)]
        out += ["**Passages retrieved** (Footnote, best first)", "", *rows, ""]
    return out

