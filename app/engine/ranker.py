"""The fitted models the engine decides with: which sentence answers (the sentence ranker) and whether
the sources answer at all (the abstention model), loaded from `app/engine/models.json`.

Both are logistic regressions over standardised features (app/engine/features.py), fitted on the public tuning
set by `python -m eval.fit_ranker`, which also writes the thresholds it chose and the held-out figures
behind them into the same file. A logistic regression is a dot product at answer time, so it costs
nothing to apply and its weights can be read. This module applies models; it does not fit them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from ingest.errors import FootnoteError

MODELS = Path(__file__).with_name("models.json")


@dataclass(frozen=True)
class Linear:
    """A standardised logistic regression: p = sigmoid(((x - mean) / scale) . coef + intercept).

    A listwise one (a conditional logit) scores the rows of one question against each other: p is the
    softmax of the same dot product over the rows, the probability that this row is the one that answers.
    """

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    listwise: bool = False

    @classmethod
    def from_json(cls, d: dict) -> Linear:
        return cls(tuple(d["features"]), np.asarray(d["mean"], dtype=np.float64),
                   np.asarray(d["scale"], dtype=np.float64), np.asarray(d["coef"], dtype=np.float64),
                   float(d["intercept"]), bool(d.get("listwise", False)))

    def to_json(self) -> dict:
        return {"features": list(self.features), "mean": [round(float(x), 6) for x in self.mean],
                "scale": [round(float(x), 6) for x in self.scale], "coef": [round(float(x), 6) for x in self.coef],
                "intercept": round(self.intercept, 6), **({"listwise": True} if self.listwise else {})}

    def over(self, features: list[str]) -> Linear:
        """The same model over a wider list of features, the ones it never saw weighted 0 (a fit reports
        the models it replaces beside its own, on the same feature rows)."""
        known = dict(zip(self.features, range(len(self.features)), strict=True))
        pick = [known.get(f) for f in features]

        def take(v: np.ndarray, default: float) -> np.ndarray:
            return np.array([v[i] if i is not None else default for i in pick], dtype=np.float64)

        return Linear(tuple(features), take(self.mean, 0.0), take(self.scale, 1.0), take(self.coef, 0.0),
                      self.intercept, self.listwise)

    def logit(self, X: np.ndarray) -> np.ndarray:
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        return ((X - self.mean) / self.scale) @ self.coef + self.intercept

    def prob(self, X: np.ndarray) -> np.ndarray:
        z = self.logit(X)
        if not self.listwise:
            return 1.0 / (1.0 + np.exp(-z))
        if not len(z):
            return z
        e = np.exp(z - z.max())
        return e / e.sum()


@dataclass(frozen=True)
class Models:
    ranker: Linear
    abstain: Linear
    answer_threshold: float  # answer when the abstention model's probability is at least this
    keep_ratio: float  # a further sentence of a short answer needs this share of the best one's probability
    max_factoid: int  # sentences in a short (factoid) answer, at most
    report: dict  # the held-out figures the fit printed, for the record


class ModelsMissingError(FootnoteError):
    def __init__(self, where: Path):
        super().__init__(f"The fitted ranking models are missing ({where.name}). Reinstall Footnote, or refit "
                         "them with `python -m eval.fit_ranker`.")


@cache
def load(path: Path = MODELS) -> Models:
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ModelsMissingError(path) from e
    return Models(Linear.from_json(d["ranker"]), Linear.from_json(d["abstain"]), float(d["answer_threshold"]),
                  float(d["keep_ratio"]), int(d["max_factoid"]), d.get("report", {}))
