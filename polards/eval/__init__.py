"""Evaluation: answer extraction, math grading (sympy in killable worker processes) and text metrics.

>>> from polards.eval import extract_boxed, grade_answer, corpus_bleu
>>> grade_answer(extract_boxed(r"so \\boxed{\\frac{1}{2}}"), "0.5")
True
"""

from polards.eval._sympy_worker import SympyPool
from polards.eval.extract import (
    extract_answer_is,
    extract_answer_is_expr,
    extract_boxed,
    extract_boxed_expr,
    extract_gsm8k,
    extract_gsm8k_expr,
    extract_last_number,
    extract_last_number_expr,
    extract_mcq,
    extract_mcq_expr,
)
from polards.eval.grading import GradingStats, get_default_pool, grade_answer, grade_answers, grade_expr
from polards.eval.metrics import (
    MetricResult,
    accuracy,
    compute_bleu,
    corpus_bleu,
    exact_match,
    pass_at_k,
    pass_at_k_estimate,
    rouge,
    rouge_tokenize,
    sentence_bleu,
    squad_f1,
    squad_v2_f1,
    tokenize_13a,
)
from polards.eval.normalize import latex_to_sympy, normalize_text, strip_string
from polards.eval.runner import METRICS, EvaluationResult, evaluate

__all__ = [
    "METRICS",
    "EvaluationResult",
    "GradingStats",
    "MetricResult",
    "SympyPool",
    "accuracy",
    "compute_bleu",
    "corpus_bleu",
    "evaluate",
    "exact_match",
    "extract_answer_is",
    "extract_answer_is_expr",
    "extract_boxed",
    "extract_boxed_expr",
    "extract_gsm8k",
    "extract_gsm8k_expr",
    "extract_last_number",
    "extract_last_number_expr",
    "extract_mcq",
    "extract_mcq_expr",
    "get_default_pool",
    "grade_answer",
    "grade_answers",
    "grade_expr",
    "latex_to_sympy",
    "normalize_text",
    "pass_at_k",
    "pass_at_k_estimate",
    "rouge",
    "rouge_tokenize",
    "sentence_bleu",
    "squad_f1",
    "squad_v2_f1",
    "strip_string",
    "tokenize_13a",
]
