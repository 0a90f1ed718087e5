"""Text and sample metrics with one interface: ``metric(predictions, references, *, data=None, ...)``.

Each returns a :class:`MetricResult` (corpus ``score``, ``details`` and per-item scores as a ``pl.DataFrame``).
"""

from polards.eval.metrics._common import MetricResult
from polards.eval.metrics.accuracy import accuracy
from polards.eval.metrics.bleu import compute_bleu, corpus_bleu, sentence_bleu, tokenize_13a
from polards.eval.metrics.exact_match import exact_match
from polards.eval.metrics.pass_at_k import pass_at_k, pass_at_k_estimate
from polards.eval.metrics.rouge import rouge, rouge_tokenize
from polards.eval.metrics.squad_f1 import squad_f1, squad_v2_f1

__all__ = [
    "MetricResult",
    "accuracy",
    "compute_bleu",
    "corpus_bleu",
    "exact_match",
    "pass_at_k",
    "pass_at_k_estimate",
    "rouge",
    "rouge_tokenize",
    "sentence_bleu",
    "squad_f1",
    "squad_v2_f1",
    "tokenize_13a",
]
