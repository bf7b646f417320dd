"""Charts for the evaluation report, drawn from results (run.py's dict) into PNG files.

matplotlib with the Agg backend: no display needed, nothing shown on screen. Each function writes one
file and returns its name; `draw` returns (file name, caption) pairs for the report.
"""

from __future__ import annotations

from pathlib import Path

COLOURS = {"footnote": "#1f5f8b", "bm25": "#c9a227", "dense": "#8c8c8c"}
BARS = [  # (metric key, label on the axis)
    ("hit@1", "gold in\ntop 1"), ("hit@5", "gold in\ntop 5"), ("recall@5", "key-point\nrecall@5"),
    ("mrr", "MRR@5"), ("kp_coverage", "key points\nstated"), ("answers_citing_gold", "answers\nciting gold"),
    ("answered", "in-corpus\nanswered"), ("declined", "out-of-corpus\ndeclined"),
]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(plt, fig, ax, title: str, folder: Path, name: str) -> str:
    """The finish every chart shares: plain axes, a title, written to folder/name and closed."""
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(folder / name)
    plt.close(fig)
    return name


def draw(results: dict, folder: Path) -> list[tuple[str, str]]:
    return [
        (metrics_chart(results, folder), "Footnote and the two baselines on the same questions. Baselines "
         "'answer' with the first sentence of their top passage and never decline. Dashed: targets."),
        (coverage_chart(results, folder), "Key points stated, per answerable question (red: under the 80% target)."),
        (latency_chart(results, folder), "How long Footnote took per question (whole answer)."),
        *([(tradeoff_chart(folder), "When Footnote answers: the share of each kind of question answered as the "
            "abstention threshold moves, on held-out articles of the public tuning set and on the shipped set "
            "(app/engine/models.json, from `python -m eval.fit_ranker`). The dotted line is the threshold in use.")]
          if _tradeoff() else []),
    ]


def _tradeoff() -> tuple[list[dict], float] | None:
    """The answered-vs-declined curve the fit recorded, and the chosen threshold (None if absent)."""
    from app.engine.ranker import ModelsMissingError, load

    try:
        models = load()
    except ModelsMissingError:
        return None
    curve = models.report.get("tradeoff")
    return (curve, models.answer_threshold) if curve else None


def tradeoff_chart(folder: Path, name: str = "tradeoff.png") -> str:
    plt = _pyplot()
    curve, chosen = _tradeoff()
    kinds = [k for k in curve[0] if k != "threshold"]
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
    xs = [c["threshold"] for c in curve]
    for k in kinds:
        ax.plot(xs, [100 * c[k] for c in curve], label=k.replace("-", " "), linewidth=1.5)
    ax.axvline(chosen, color="black", linestyle=":", linewidth=1.2, label=f"chosen {chosen:.2f}")
    ax.set_xlabel("abstention threshold (answer when the model's probability is at least this)")
    ax.set_ylabel("answered (%)")
    ax.set_ylim(0, 103)
    # below the axes, never over the lines (inside, it covered the curves where they cross)
    ax.legend(frameon=False, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=3)
    return _save(plt, fig, ax, "Answered vs declined, by kind of question", folder, name)


def metrics_chart(results: dict, folder: Path, name: str = "metrics.png") -> str:
    plt = _pyplot()
    systems = results["systems"]
    targets = {t["metric"]: t["target"] for t in results["targets"]}
    fig, ax = plt.subplots(figsize=(10, 4.2), dpi=110)
    width = 0.8 / len(systems)
    for i, (sys_name, s) in enumerate(systems.items()):
        xs = [j + (i - (len(systems) - 1) / 2) * width for j in range(len(BARS))]
        ys = [s["summary"].get(key) for key, _ in BARS]
        ax.bar(xs, [100 * (y or 0) for y in ys], width, label=s["label"], color=COLOURS.get(sys_name))
        for x, y in zip(xs, ys, strict=True):
            label = "n/a" if y is None else f"{100 * y:.0f}"
            ax.text(x, 100 * (y or 0) + 1, label, ha="center", va="bottom", fontsize=6)
    marked = False
    for j, (key, _) in enumerate(BARS):
        if key in targets:
            ax.plot([j - 0.45, j + 0.45], [100 * targets[key]] * 2, color="black", linewidth=1.2, linestyle="--",
                    label=None if marked else "target")
            marked = True
    ax.set_xticks(range(len(BARS)), [label for _, label in BARS], fontsize=8)
    ax.set_ylabel("%  (MRR × 100)")
    ax.set_ylim(0, 110)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=len(systems) + 1, frameon=False, fontsize=8)
    return _save(plt, fig, ax, "Footnote vs baselines", folder, name)


def coverage_chart(results: dict, folder: Path, name: str = "keypoints.png") -> str:
    plt = _pyplot()
    rows = [r for r in results["questions"] if r["answerable"]]
    fig, ax = plt.subplots(figsize=(10, 3.6), dpi=110)
    cov = [100 * (r["runs"]["footnote"]["answer"]["kp_coverage"] or 0) for r in rows]
    colours = [COLOURS["footnote"] if c >= 80 else "#c0392b" for c in cov]
    ax.bar(range(len(rows)), cov, color=colours)
    for x, c in enumerate(cov):
        if c == 0:
            ax.text(x, 1, "0", ha="center", va="bottom", fontsize=7, color="#c0392b")
    ax.axhline(80, color="black", linewidth=1, linestyle="--")
    ax.set_xticks(range(len(rows)), [r["id"] for r in rows], rotation=90, fontsize=7)
    ax.set_ylabel("key points stated (%)")
    ax.set_ylim(0, 105)
    return _save(plt, fig, ax, "Key-point coverage per question (Footnote)", folder, name)


def latency_chart(results: dict, folder: Path, name: str = "latency.png") -> str:
    plt = _pyplot()
    lat = [r["runs"]["footnote"]["latency_ms"] for r in results["questions"]]
    s = results["systems"]["footnote"]["summary"]
    fig, ax = plt.subplots(figsize=(6, 3.2), dpi=110)
    ax.hist(lat, bins=min(30, max(5, len(lat))), color=COLOURS["footnote"])
    for key, style in (("latency_p50_ms", "--"), ("latency_p95_ms", ":")):
        if s.get(key) is not None:
            ax.axvline(s[key], color="black", linestyle=style, linewidth=1,
                       label=f"{key.split('_')[1]} {s[key]:.0f} ms")
    ax.set_xlabel("milliseconds per answer")
    ax.set_ylabel("questions")
    ax.legend(frameon=False, fontsize=8)
    return _save(plt, fig, ax, "Footnote answer latency", folder, name)
