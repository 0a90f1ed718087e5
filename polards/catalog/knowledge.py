"""Knowledge benchmarks -> a lettered multiple-choice prompt (``messages``) and the ClassLabel answer."""

from __future__ import annotations

from polards.catalog.spec import DatasetSpec
from polards.mappers import multiple_choice

__all__ = ["MMLU_SUBJECTS", "SPECS"]

MMLU_SUBJECTS = (
    "abstract_algebra", "anatomy", "astronomy", "business_ethics", "clinical_knowledge", "college_biology",
    "college_chemistry", "college_computer_science", "college_mathematics", "college_medicine", "college_physics",
    "computer_security", "conceptual_physics", "econometrics", "electrical_engineering", "elementary_mathematics",
    "formal_logic", "global_facts", "high_school_biology", "high_school_chemistry", "high_school_computer_science",
    "high_school_european_history", "high_school_geography", "high_school_government_and_politics",
    "high_school_macroeconomics", "high_school_mathematics", "high_school_microeconomics", "high_school_physics",
    "high_school_psychology", "high_school_statistics", "high_school_us_history", "high_school_world_history",
    "human_aging", "human_sexuality", "international_law", "jurisprudence", "logical_fallacies", "machine_learning",
    "management", "marketing", "medical_genetics", "miscellaneous", "moral_disputes", "moral_scenarios", "nutrition",
    "philosophy", "prehistory", "professional_accounting", "professional_law", "professional_medicine",
    "professional_psychology", "public_relations", "security_studies", "sociology", "us_foreign_policy", "virology",
    "world_religions",
)  # fmt: skip

SPECS = (
    DatasetSpec(
        name="mmlu",
        repo_id="cais/mmlu",
        domain="knowledge",
        task="mcq_eval",
        output="messages",
        mapper=multiple_choice,
        configs=(*MMLU_SUBJECTS, "all"),
        default_config="all",
        splits=("test", "validation", "dev"),
        approx_rows=15_858,
        licence="mit",
        description="MMLU, 57 subjects + 'all'; lettered choices prompt, answer ClassLabel(A-D).",
        grader="multiple_choice",
        reference="answer_letter",
    ),
)
