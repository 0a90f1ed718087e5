"""Run tinker-cookbook 0.6.1's own dataset code and print what it produced as JSON.

Run in the tinker venv (``tests/clients/make_venv.sh``), once with the real ``datasets``::

    python tests/clients/tinker_driver.py --out real.json --tmp DIR

and once with polards standing in for it::

    python -m polards.compat tests/clients/tinker_driver.py --out polards.json --tmp DIR

with ``HF_ENDPOINT`` pointing at the local Hub emulator. Each *case* calls one cookbook loader or builder as a
user would (the cookbook's code is not modified; where a builder wants a model's tokenizer/renderer we hand it a
placeholder that the dataset code only stores, and we replace a supervised dataset's ``map_fn``, which tokenises,
by one that returns the row unchanged, so the cookbook's own batching runs on the rows). The result of a case is
summarised into plain JSON (datasets as length, columns, features and their first rows; objects as their public
attributes; bytes, arrays and images as digests), together with the warnings the cookbook logged, or the error it
raised. ``tests/clients/test_tinker_cookbook.py`` compares the two JSON files case by case.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import enum
import functools
import hashlib
import importlib
import itertools
import json
import logging
import math
import os
import pkgutil
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

FIRST_ROWS = 8
"""How many rows of each dataset (and items of each long list) the summary keeps."""

MAX_DEPTH = 10
SKIPPED_ATTRS = {
    "renderer",
    "tokenizer",
    "image_processor",
    "sandbox_factory",
    "judge_sampling_client",
    "sampling_client",
}

CASES: dict[str, Callable[[Path], Any]] = {}


def case(name: str) -> Callable[[Callable[[Path], Any]], Callable[[Path], Any]]:
    def register(fn: Callable[[Path], Any]) -> Callable[[Path], Any]:
        CASES[name] = fn
        return fn

    return register


class NoModelRenderer:
    """Stands in for a model's renderer where the dataset code only stores it (never tokenises)."""

    def __repr__(self) -> str:
        return "NoModelRenderer()"

    def get_stop_sequences(self) -> list[str]:  # read by EnvFromMessageEnv.__init__
        return []


NO_MODEL = NoModelRenderer()


# ---------------------------------------------------------------- summaries
_TMP_PREFIX = ""


def _digest(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def _is_dataset(obj: Any) -> bool:
    cls = type(obj).__name__
    return cls in {"Dataset", "IterableDataset"} and hasattr(obj, "features") and hasattr(obj, "column_names")


def _features(obj: Any) -> Any:
    features = getattr(obj, "features", None)
    if features is None:
        return None
    try:
        return summarize(features.to_dict())
    except Exception as exc:  # noqa: BLE001 - recorded, not hidden
        return f"<features.to_dict() raised {type(exc).__name__}: {exc}>"


def summarize(obj: Any, depth: int = 0, seen: frozenset[int] = frozenset()) -> Any:
    """Plain-JSON summary of what the cookbook returned; equal summaries mean equal results."""
    if depth > MAX_DEPTH:
        return "<max depth>"
    if obj is None or isinstance(obj, bool | int):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else repr(obj)
    if isinstance(obj, str):
        return obj.replace(_TMP_PREFIX, "<TMP>") if _TMP_PREFIX else obj
    if isinstance(obj, bytes | bytearray | memoryview):
        data = bytes(obj)
        return {"bytes": len(data), "sha1": _digest(data)}
    if isinstance(obj, enum.Enum):
        return summarize(obj.value, depth + 1, seen)
    if isinstance(obj, Path):
        return summarize(str(obj), depth + 1, seen)
    if id(obj) in seen:
        return "<cycle>"
    seen = seen | {id(obj)}
    mod = type(obj).__module__
    if mod.startswith("numpy"):
        import numpy as np

        if isinstance(obj, np.ndarray):
            arr = np.ascontiguousarray(obj)
            return {"ndarray": str(arr.dtype), "shape": list(arr.shape), "sha1": _digest(arr.tobytes())}
        if isinstance(obj, np.generic):
            return summarize(obj.item(), depth + 1, seen)
    if mod.startswith("PIL."):
        return {"image": obj.mode, "size": list(obj.size), "sha1": _digest(obj.tobytes())}
    if _is_dataset(obj):
        out: dict[str, Any] = {"__dataset__": type(obj).__name__, "features": _features(obj)}
        out["column_names"] = list(obj.column_names or [])
        if type(obj).__name__ == "Dataset":
            out["len"] = len(obj)
            rows = [obj[i] for i in range(min(FIRST_ROWS, len(obj)))]
        else:
            rows = list(itertools.islice(iter(obj), FIRST_ROWS))
        out["rows"] = [summarize(r, depth + 1, seen) for r in rows]
        return out
    if isinstance(obj, Mapping):
        return {str(k): summarize(v, depth + 1, seen) for k, v in obj.items() if str(k) not in SKIPPED_ATTRS}
    if isinstance(obj, list | tuple | set | frozenset):
        items = sorted(obj, key=repr) if isinstance(obj, set | frozenset) else list(obj)
        head = [summarize(v, depth + 1, seen) for v in items[: FIRST_ROWS * 8]]
        return head if len(items) <= FIRST_ROWS * 8 else {"len": len(items), "head": head}
    if isinstance(obj, functools.partial):
        return {
            "partial": getattr(obj.func, "__qualname__", repr(obj.func)),
            "args": summarize(obj.args, depth + 1, seen),
            "keywords": summarize(obj.keywords, depth + 1, seen),
        }
    if hasattr(obj, "model_dump") and callable(obj.model_dump):  # pydantic (tinker types)
        try:
            return {"__class__": type(obj).__qualname__, **summarize(obj.model_dump(), depth + 1, seen)}
        except Exception:  # noqa: BLE001
            pass
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        fields = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
        return {"__class__": type(obj).__qualname__, **summarize(fields, depth + 1, seen)}
    if callable(obj) and not hasattr(obj, "__dict__"):
        return f"<callable {getattr(obj, '__qualname__', type(obj).__qualname__)}>"
    if isinstance(obj, NoModelRenderer):
        return "<no-model renderer>"
    attrs = getattr(obj, "__dict__", None)
    if attrs is not None and not isinstance(obj, type):
        public = {
            k: v
            for k, v in attrs.items()
            if not k.startswith("_")
            and k not in SKIPPED_ATTRS
            and (not callable(v) or isinstance(v, functools.partial) or _is_dataset(v))
        }
        return {"__class__": type(obj).__qualname__, **summarize(public, depth + 1, seen)}
    if callable(obj):
        return f"<callable {getattr(obj, '__qualname__', type(obj).__qualname__)}>"
    return f"<{type(obj).__qualname__}>"


def _file_digests(root: Path) -> dict[str, str]:
    """sha1 of every file the cookbook wrote under ``root`` (audio caches, downloaded samples)."""
    if not root.exists():
        return {}
    return {str(p.relative_to(root)): _digest(p.read_bytes()) for p in sorted(root.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------- eval benchmarks
def _benchmark_registry() -> dict[str, Any]:
    import tinker_cookbook.eval.benchmarks as benchmarks

    for info in pkgutil.iter_modules(benchmarks.__path__):
        if info.name.endswith("_test") or info.name in {"_runner", "_types", "_common"}:
            continue
        try:
            importlib.import_module(f"tinker_cookbook.eval.benchmarks.{info.name}")
        except ImportError as exc:  # an optional grader package is missing: the builder is reported absent
            logging.getLogger("tinker_driver").warning(
                "cannot import benchmark module %s: %s", info.name, exc
            )
    return benchmarks.REGISTRY


async def _no_sandbox() -> Any:
    raise RuntimeError("the dataset comparison never runs a sandbox")


def _run_benchmark(name: str, tmp: Path) -> Any:
    from tinker_cookbook.eval.benchmarks import BenchmarkConfig

    registry = _benchmark_registry()
    builder = registry[name]
    # arena_hard's make_envs only stores the judge client in its completer; the sandbox is only used by rollouts
    config = BenchmarkConfig(sandbox_factory=_no_sandbox, judge_sampling_client=NO_MODEL)
    envs = builder.make_envs(NO_MODEL, config)
    out: dict[str, Any] = {"num_envs": len(envs), "envs": summarize(list(envs)[:FIRST_ROWS])}
    every = json.dumps([summarize(env) for env in envs], sort_keys=True, default=repr)
    out["all_envs_sha1"] = _digest(every.encode())
    observations = []
    for env in list(envs)[:FIRST_ROWS]:
        message_env = getattr(env, "message_env", None)
        if message_env is None:
            continue
        try:
            observations.append(asyncio.run(message_env.initial_observation()))
        except Exception as exc:  # noqa: BLE001
            observations.append(f"<initial_observation raised {type(exc).__name__}>")
    out["initial_observations"] = summarize(observations)
    return out


BENCHMARKS = (
    "aime_2025",
    "aime_2026",
    "arena_hard",
    "bfcl",
    "ceval",
    "gpqa",
    "gsm8k",
    "hmmt_feb_2025",
    "hmmt_nov_2025",
    "ifbench",
    "ifeval",
    "livecodebench",
    "longbench",
    "math500",
    "mbpp",
    "mmlu_pro",
    "mmlu_redux",
    "supergpqa",
    "swe_bench",
    "terminal_bench",
)
for _name in BENCHMARKS:
    CASES[f"eval/{_name}"] = functools.partial(_run_benchmark, _name)


# ---------------------------------------------------------------- supervised / chat builders
def _common_config() -> Any:
    from tinker_cookbook.supervised.types import ChatDatasetBuilderCommonConfig

    return ChatDatasetBuilderCommonConfig(
        model_name_for_tokenizer="no-model", renderer_name="no-model", max_length=4096, batch_size=4
    )


def _supervised(ds: Any) -> Any:
    """The cookbook's own batching over a supervised dataset, with the tokenising ``map_fn`` an identity."""
    if ds is None:
        return None
    out: dict[str, Any] = {"__class__": type(ds).__name__}
    if getattr(ds, "map_fn", None) is not None:
        ds.map_fn = lambda row: row
    elif getattr(ds, "flatmap_fn", None) is not None:
        ds.flatmap_fn = lambda row: [row]
    if hasattr(ds, "shuffle_dataset"):  # SupervisedDatasetFromHFDataset
        out["hf_dataset"] = summarize(ds.hf_dataset)
        out["len"] = len(ds)
        out["batch0"] = summarize(ds.get_batch(0)) if len(ds) else None
        ds.set_epoch(seed=1)
        out["epoch1_batch0"] = summarize(ds.get_batch(0)) if len(ds) else None
    else:  # streaming
        out["len"] = len(ds)
        out["batch0"] = summarize(ds.get_batch(0))
        out["batch1"] = summarize(ds.get_batch(1))
    return out


@case("chat_sl/Tulu3Builder")
def _tulu3(tmp: Path) -> Any:
    from tinker_cookbook.recipes.chat_sl.chat_datasets import Tulu3Builder

    train, test = Tulu3Builder(common_config=_common_config())()
    return {"train": _supervised(train), "test": _supervised(test)}


@case("chat_sl/NoRobotsBuilder")
def _no_robots(tmp: Path) -> Any:
    from tinker_cookbook.recipes.chat_sl.chat_datasets import NoRobotsBuilder

    train, test = NoRobotsBuilder(common_config=_common_config())()
    return {"train": _supervised(train), "test": _supervised(test)}


@case("supervised/InterleavedChatDatasetBuilder")
def _interleaved(tmp: Path) -> Any:
    from tinker_cookbook.supervised.data import HFDatasetSource, InterleavedChatDatasetBuilder

    builder = InterleavedChatDatasetBuilder(
        common_config=_common_config(),
        sources=[
            HFDatasetSource(path="HuggingFaceH4/no_robots", split="train"),
            HFDatasetSource(path="allenai/tulu-3-sft-mixture", split="train"),
        ],
        test_size=16,
    )
    train, test = builder()
    return {"train": _supervised(train), "test": _supervised(test)}


@case("distillation/OpenThoughts3Builder")
def _openthoughts(tmp: Path) -> Any:
    from tinker_cookbook.recipes.distillation.off_policy_reasoning import OpenThoughts3Builder

    train, test = OpenThoughts3Builder(common_config=_common_config(), buffer_size=64, max_prompts=32)()
    return {"train": _supervised(train), "test": _supervised(test)}


@case("distillation/load_deepmath_prompts")
def _deepmath_prompts(tmp: Path) -> Any:
    from tinker_cookbook.distillation.datasets import load_deepmath_prompts

    return {"train": load_deepmath_prompts("train"), "test": load_deepmath_prompts("test")}


@case("distillation/load_tulu3_prompts")
def _tulu3_prompts(tmp: Path) -> Any:
    from tinker_cookbook.distillation.datasets import load_tulu3_prompts

    return load_tulu3_prompts()


# ---------------------------------------------------------------- RL datasets
def _rl(ds: Any) -> Any:
    return {"ds": summarize(ds.ds), "len": len(ds), "batch0": summarize(ds.get_batch(0))}


@case("math_rl/MathDataset")
def _math(tmp: Path) -> Any:
    from tinker_cookbook.recipes.math_rl.math_env import MathDataset

    return {
        split: _rl(MathDataset(batch_size=4, group_size=2, renderer=NO_MODEL, split=split))
        for split in ("train", "test")
    }


@case("math_rl/PolarisDataset")
def _polaris(tmp: Path) -> Any:
    from tinker_cookbook.recipes.math_rl.math_env import PolarisDataset

    return _rl(PolarisDataset(batch_size=4, group_size=2, renderer=NO_MODEL))


@case("math_rl/DeepMathDataset")
def _deepmath(tmp: Path) -> Any:
    from tinker_cookbook.recipes.math_rl.math_env import DeepMathDataset

    return _rl(DeepMathDataset(batch_size=4, group_size=2, renderer=NO_MODEL))


@case("math_rl/Gsm8kDataset")
def _gsm8k_rl(tmp: Path) -> Any:
    from tinker_cookbook.recipes.math_rl.math_env import Gsm8kDataset

    return {
        split: _rl(Gsm8kDataset(batch_size=4, group_size=2, renderer=NO_MODEL, split=split))
        for split in ("train", "test")
    }


@case("code_rl/_load_deepcoder_split")
def _deepcoder(tmp: Path) -> Any:
    from tinker_cookbook.recipes.code_rl.code_env import _load_deepcoder_split

    return {split: summarize(_load_deepcoder_split(split)) for split in ("train", "test")}


@case("rl_numerics_check/load_wikitext_corpus")
def _wikitext(tmp: Path) -> Any:
    from tinker_cookbook.recipes.rl_numerics_check.env import load_wikitext_corpus

    corpus = load_wikitext_corpus(max_chars=50_000)
    return {"len": len(corpus), "sha1": _digest(corpus.encode()), "head": corpus[:500]}


@case("search_tool/download_search_r1_dataset")
def _search_r1(tmp: Path) -> Any:
    from tinker_cookbook.recipes.search_tool.search_env import download_search_r1_dataset

    return {split: download_search_r1_dataset(split) for split in ("train", "test")}


@case("true_thinking_score/_load_problems")
def _tts(tmp: Path) -> Any:
    from tinker_cookbook.recipes.true_thinking_score.analyze import _load_problems

    return {name: _load_problems(name, n_problems=6, seed=0) for name in ("math", "gsm8k")}


@case("sdft/load_sciknoweval")
def _sciknoweval(tmp: Path) -> Any:
    from tinker_cookbook.recipes.sdft.datasets import load_sciknoweval

    return load_sciknoweval()


@case("sdft/load_toolalpaca")
def _toolalpaca(tmp: Path) -> Any:
    from tinker_cookbook.recipes.sdft.datasets import load_toolalpaca

    return load_toolalpaca()


@case("rubric/PrometheusDatapointListBuilder")
def _prometheus(tmp: Path) -> Any:
    from tinker_cookbook.recipes.rubric.data import PrometheusDatapointListBuilder

    points = PrometheusDatapointListBuilder()()
    return {"len": len(points), "head": summarize(list(points)[:FIRST_ROWS])}


# ---------------------------------------------------------------- preference
def _comparisons(builder: Any) -> Any:
    train, test = builder.get_train_and_test_datasets()
    out: dict[str, Any] = {"train": summarize(train), "test": summarize(test)}
    rows = [train[i] for i in range(min(FIRST_ROWS, len(train)))]
    out["labeled"] = summarize([builder.example_to_labeled_comparison(dict(r)) for r in rows])
    return out


for _cls in (
    "Tulu38BComparisonBuilder",
    "HHHComparisonBuilder",
    "HelpSteer3ComparisonBuilder",
    "UltraFeedbackComparisonBuilder",
    "ArenaComparisonBuilder",
    "HelpSteer2ComparisonBuilder",
):

    def _pref(tmp: Path, _cls: str = _cls) -> Any:
        from tinker_cookbook.recipes.preference import datasets as pref

        return _comparisons(getattr(pref, _cls)())

    CASES[f"preference/{_cls}"] = _pref


# ---------------------------------------------------------------- audio
@case("audio/asr/load_clips")
def _asr(tmp: Path) -> Any:
    from tinker_cookbook.recipes.audio.asr.env import load_clips

    cache = tmp / "asr"
    clips = {
        split: summarize(load_clips(str(cache), split, n=4, seed=0, shuffle_buffer_size=8))
        for split in ("train.500", "validation")  # the splits AudioASRDatasetBuilder / WEREvaluator stream
    }
    return {"clips": clips, "files": _file_digests(cache)}


@case("audio/medical_asr/load_ekacare_split")
def _ekacare(tmp: Path) -> Any:
    from tinker_cookbook.recipes.audio.medical_asr.env import load_ekacare_split

    cache = tmp / "ekacare"
    train, evals = load_ekacare_split(str(cache), 0)
    return {"train": summarize(train), "eval": summarize(evals), "files": _file_digests(cache)}


# ---------------------------------------------------------------- vlm classifier (tokenizer/processor stubbed)
def _no_model_vlm(module: Any) -> None:
    """The classifier datasets build a renderer in ``__init__`` but only tokenise in ``get_batch``."""
    module.get_tokenizer = lambda *a, **k: None
    module.get_image_processor = lambda *a, **k: None
    if hasattr(module, "get_renderer"):
        module.get_renderer = lambda *a, **k: NO_MODEL
    if hasattr(module, "renderers"):
        module.renderers = type("renderers", (), {"get_renderer": staticmethod(lambda *a, **k: NO_MODEL)})


def _classifier(ds: Any) -> Any:
    if ds is None:
        return None
    labels = ds.class_labels
    out = {
        "dataset": summarize(ds.dataset),
        "class_names": summarize(getattr(labels, "names", None)),
        "num_classes": getattr(labels, "num_classes", None),
    }
    if hasattr(ds, "shuffled_indices"):
        out["shuffled_indices"] = ds.shuffled_indices[:64]
    if hasattr(ds, "shuffled_dataset"):
        out["shuffled_dataset"] = summarize(ds.shuffled_dataset)
    return out


for _cls in (
    "Caltech101DatasetBuilder",
    "Flowers102DatasetBuilder",
    "OxfordPetsDatasetBuilder",
    "StanfordCarsDatasetBuilder",
):

    def _vlm_data(tmp: Path, _cls: str = _cls) -> Any:
        from tinker_cookbook.recipes.vlm_classifier import data

        _no_model_vlm(data)
        builder = getattr(data, _cls)(
            model_name_for_tokenizer="no-model",
            renderer_name="no-model",
            examples_per_class=2,
            run_nll_evaluator=True,
        )
        train, test = builder()
        return {"train": _classifier(train), "test": _classifier(test)}

    CASES[f"vlm_classifier/{_cls}"] = _vlm_data

for _cls in (
    "Caltech101EvaluatorBuilder",
    "Flowers102EvaluatorBuilder",
    "OxfordPetsEvaluatorBuilder",
    "StanfordCarsEvaluatorBuilder",
):

    def _vlm_eval(tmp: Path, _cls: str = _cls) -> Any:
        from tinker_cookbook.recipes.vlm_classifier import eval as vlm_eval

        _no_model_vlm(vlm_eval)
        evaluator = getattr(vlm_eval, _cls)(model_name_for_tokenizer="no-model", renderer_name="no-model")()
        return _classifier(evaluator)

    CASES[f"vlm_classifier/{_cls}"] = _vlm_eval


# ---------------------------------------------------------------- local files (Dataset.from_list)
_CONVERSATIONS = [
    {
        "messages": [
            {"role": "user", "content": f"question {i}"},
            {"role": "assistant", "content": f"answer {i}"},
        ]
    }
    for i in range(40)
]


@case("supervised/FromConversationFileBuilder")
def _conversation_file(tmp: Path) -> Any:
    from tinker_cookbook.supervised.data import FromConversationFileBuilder

    path = tmp / "conversations.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in _CONVERSATIONS))
    builder = FromConversationFileBuilder(common_config=_common_config(), file_path=str(path), test_size=8)
    train, test = builder()
    return {"train": _supervised(train), "test": _supervised(test)}


@case("preference/ComparisonBuilderFromJsonl")
def _comparison_jsonl(tmp: Path) -> Any:
    from tinker_cookbook.preference.preference_datasets import ComparisonBuilderFromJsonl

    rows = [
        {
            "comparison": {
                "prompt_conversation": [{"role": "user", "content": f"prompt {i}"}],
                "completion_A": [{"role": "assistant", "content": f"A{i}"}],
                "completion_B": [{"role": "assistant", "content": f"B{i}"}],
            },
            "label": "A" if i % 2 else "B",
        }
        for i in range(12)
    ]
    train_path, test_path = tmp / "train.jsonl", tmp / "test.jsonl"
    train_path.write_text("".join(json.dumps(r) + "\n" for r in rows[:9]))
    test_path.write_text("".join(json.dumps(r) + "\n" for r in rows[9:]))
    return _comparisons(ComparisonBuilderFromJsonl(train_path=str(train_path), test_path=str(test_path)))


# ---------------------------------------------------------------- scripts/inkling samples
@case("inkling/sample_vision._download_sample")
def _sample_vision(tmp: Path) -> Any:
    from tinker_cookbook.scripts.inkling import sample_vision

    sample_vision._SAMPLE_PATH = tmp / "inkling" / sample_vision._SAMPLE_PATH.name
    path = sample_vision._download_sample()
    return {"path": str(path), "sha1": _digest(Path(path).read_bytes())}


@case("inkling/sample_audio._download_sample")
def _sample_audio(tmp: Path) -> Any:
    from tinker_cookbook.scripts.inkling import sample_audio

    sample_audio._SAMPLE_PATH = tmp / "inkling" / sample_audio._SAMPLE_PATH.name
    path = sample_audio._download_sample()
    return {"path": str(path), "sha1": _digest(Path(path).read_bytes())}


@case("inkling/sample_reasoning._load_aime_problem")
def _sample_reasoning(tmp: Path) -> Any:
    from tinker_cookbook.scripts.inkling import sample_reasoning

    return [sample_reasoning._load_aime_problem(i) for i in (1, 2)]


# ---------------------------------------------------------------- runner
class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("tinker_cookbook"):
            self.messages.append(f"{record.name}: {record.getMessage()}"[:400])


def run_case(name: str, tmp: Path) -> dict[str, Any]:
    records = _Records()
    root = logging.getLogger()
    root.addHandler(records)
    start = time.perf_counter()
    case_tmp = tmp / name.replace("/", "__")
    case_tmp.mkdir(parents=True, exist_ok=True)
    try:
        result: dict[str, Any] = {"result": summarize(CASES[name](case_tmp))}
    except Exception as exc:  # noqa: BLE001 - the comparison reports it
        result = {"error": f"{type(exc).__name__}: {exc}"[:1000], "traceback": traceback.format_exc()[-3000:]}
    finally:
        root.removeHandler(records)
    result["warnings"] = [m.replace(str(tmp), "<TMP>") for m in records.messages]
    result["seconds"] = round(time.perf_counter() - start, 3)
    return result


def main(argv: list[str] | None = None) -> int:
    global _TMP_PREFIX
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="JSON file to write")
    parser.add_argument("--tmp", required=True, help="scratch folder for files the cookbook writes")
    parser.add_argument("--cases", default="", help="comma-separated case names (default: all)")
    parser.add_argument("--list", action="store_true", help="print the case names and exit")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(CASES))
        return 0
    import datasets

    tmp = Path(args.tmp).resolve()
    _TMP_PREFIX = str(tmp)
    logging.basicConfig(level=logging.WARNING)
    names = [n for n in args.cases.split(",") if n] or list(CASES)
    report: dict[str, Any] = {
        "datasets": "polards"
        if getattr(datasets, "__polards__", False)
        else f"datasets {datasets.__version__}",
        "hf_endpoint": os.environ.get("HF_ENDPOINT"),
        "cases": {},
    }
    for name in names:
        report["cases"][name] = run_case(name, tmp)
        status = "error" if "error" in report["cases"][name] else "ok"
        print(f"{name}: {status} ({report['cases'][name]['seconds']} s)", file=sys.stderr, flush=True)
    Path(args.out).write_text(json.dumps(report, indent=1, sort_keys=False, default=repr))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
