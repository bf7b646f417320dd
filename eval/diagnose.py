"""Why a question misses its targets, in words a teacher can follow and an engineer can act on.

Reads one scored question record (see run.py) and says, per missed target, where the chain broke:
retrieval (no gold passage in the top 5), the answer/decline decision (with the two features it used
and the thresholds they were compared with), or composition (the evidence was retrieved but the
composer picked other sentences). It does not score anything itself.
"""

from __future__ import annotations

from .evalset import Question
from .metrics import Span, overlaps


def thresholds() -> dict[str, float]:
    """The answer/decline thresholds of the composer now installed (empty if it has none by these names)."""
    from app.engine import compose

    names = {"answer_if_sim": "ANSWER_IF_SIM", "min_sim": "MIN_SIM", "min_coverage": "MIN_COVERAGE"}
    return {k: float(getattr(compose, v)) for k, v in names.items() if hasattr(compose, v)}


def _decision(evidence: dict, th: dict[str, float]) -> str:
    sim, cov = evidence.get("top_sim"), evidence.get("coverage")
    if sim is None or cov is None:
        return ""
    rule = ""
    if {"answer_if_sim", "min_sim", "min_coverage"} <= th.keys():
        rule = (f" (Footnote answers when similarity ≥ {th['answer_if_sim']:.2f}, or ≥ {th['min_sim']:.2f} with "
                f"word share ≥ {th['min_coverage']:.2f})")
    return f"best sentence similarity {sim:.2f}, share of question words found {cov:.2f}{rule}{unknown(evidence)}"


def unknown(evidence: dict) -> str:
    """The 'names the sources never mention' feature, whether the engine reports the names or their count."""
    names = evidence.get("unknown_names")
    if not names:
        return ""
    if isinstance(names, int | float):
        return f"; {int(names)} name(s) in the question that the sources never mention"
    return f"; names the sources never mention: {', '.join(map(str, names))}"


def _rank(r: int | None, of: int = 5) -> str:
    return f"rank {r}" if r else f"not in top {of}"


def diagnose(q: Question, record: dict, th: dict[str, float]) -> list[str]:
    fn = record["runs"]["footnote"]
    a, ev = fn["answer"], fn.get("evidence", {})
    out = []
    if not q.answerable:
        if not a["abstained"]:
            cited = "; ".join(f"{c['passage_id']} “{_short(c['quote'])}”" for c in a["citations"][:2])
            out.append(f"Answered a question its sources do not cover: {_decision(ev, th)}. It cited {cited}.")
        return out

    ret = fn["retrieval"]
    if not ret["hit"]["5"]:
        deep = fn.get("deep", {})
        where = (f"the first is at rank {deep['gold_rank']}" if deep.get("gold_rank")
                 else f"none in the top {deep.get('k', 20)} either")
        others = ", ".join(f"{record['runs'][b]['label']}: {_rank(record['runs'][b]['retrieval']['gold_rank'])}"
                           for b in ("bm25", "dense") if b in record["runs"])
        out.append(f"Retrieval miss: no top-5 passage holds gold evidence ({where}). Baselines: {others}.")
    if a["abstained"]:
        out.append(f"Declined although the sources cover it: {_decision(ev, th)}.")
    if not all(c["supports"] for c in a["citations"]):
        bad = [str(c["n"]) for c in a["citations"] if not c["supports"]]
        out.append(f"Citation(s) [{', '.join(bad)}] do not support their sentence.")
    if not a["abstained"] and a["kp_coverage"] is not None and a["kp_coverage"] < 0.8:
        deeper = fn.get("deep", {}).get("kp_found_at") or [None] * len(q.key_points)
        for kp, got, found, later in zip(q.key_points, a["key_points"], ret["kp_found_at"], deeper, strict=True):
            if got["stated"]:
                continue
            cited = any(overlaps(e, Span(c["doc_id"], c["start"], c["end"])) for e in kp.evidence
                        for c in a["citations"])
            if cited:
                why = "its evidence is cited, but none of its phrasings matches (check the phrasings in the set)"
            elif found:
                why = f"retrieved (passage {found} of the top 5), but the composer used other sentences"
            elif later:
                why = f"not retrieved: its evidence is first at rank {later}, below the top 5"
            else:
                why = f"not retrieved: its evidence is not in the top {fn.get('deep', {}).get('k', 20)}"
            out.append(f"Missed key point “{_short(kp.point, 90)}”: {why}.")
    return out


def _short(s: str, n: int = 80) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"
