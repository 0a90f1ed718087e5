"""The README demo: GSM8K from the bundled local Hub emulator, with no network.

``polards demo`` (or ``python -m polards.demo``) starts :class:`polards.testing.hub.HubEmulator` in-process over
the bundled fixture repos, points ``HF_ENDPOINT`` at it with a throwaway ``HF_HOME``, and then:

1. prints the configs and splits of ``openai/gsm8k`` (metadata only);
2. streams the ``train`` split batch by batch with a progress bar;
3. builds a lazy pipeline on the ``test`` split and prints its ``explain()`` plan (nothing runs yet);
4. runs it and prints a few rows.

The environment is restored and the emulator stopped afterwards.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import Any

REPO = "openai/gsm8k"
CONFIG = "main"

__all__ = ["emulated_hub", "main", "start_emulated_hub"]


@contextlib.contextmanager
def emulated_hub(extra_roots: list[str | os.PathLike[str]] | None = None) -> Iterator[Any]:
    """Run the bundled Hub emulator and point ``huggingface_hub`` and polards at it (cache in a temp folder).

    ``extra_roots`` are more folders of repos served beside the bundled ones (e.g. a generated corpus).
    """
    from polards.testing.hub import HubEmulator, bundled_root

    home = tempfile.mkdtemp(prefix="polards-demo-")
    env = {
        "HF_ENDPOINT": None,
        "HF_HOME": home,
        "HF_HUB_CACHE": os.path.join(home, "hub"),
        "HF_HUB_OFFLINE": "0",
        "HF_DATASETS_OFFLINE": "0",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
    }
    saved = {k: os.environ.get(k) for k in env}
    hub = HubEmulator([bundled_root(), *extra_roots] if extra_roots else None)
    hub.start()
    patched: dict[str, Any] = {}
    try:
        env["HF_ENDPOINT"] = hub.endpoint
        os.environ.update({k: v for k, v in env.items() if v is not None})
        with contextlib.suppress(ImportError):  # huggingface_hub froze its constants at import time
            from huggingface_hub import constants

            for name, value in (
                ("ENDPOINT", hub.endpoint),
                ("HF_HOME", home),
                ("HF_HUB_CACHE", env["HF_HUB_CACHE"]),
                ("HF_HUB_OFFLINE", False),
            ):
                if hasattr(constants, name):
                    patched[name] = getattr(constants, name)
                    setattr(constants, name, value)
            if hasattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE"):
                patched["HUGGINGFACE_CO_URL_TEMPLATE"] = constants.HUGGINGFACE_CO_URL_TEMPLATE
                constants.HUGGINGFACE_CO_URL_TEMPLATE = (
                    hub.endpoint + "/{repo_id}/resolve/{revision}/{filename}"
                )
        yield hub
    finally:
        hub.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if patched:
            from huggingface_hub import constants

            for name, value in patched.items():
                setattr(constants, name, value)
        shutil.rmtree(home, ignore_errors=True)


def start_emulated_hub(extra_roots: list[str | os.PathLike[str]] | None = None) -> Any:
    """:func:`emulated_hub` for notebooks: returns the running emulator; call ``hub.close()`` to stop it.

    >>> hub = start_emulated_hub()
    >>> os.environ["HF_ENDPOINT"] == hub.endpoint
    True
    >>> hub.close()
    """
    stack = contextlib.ExitStack()
    hub = stack.enter_context(emulated_hub(extra_roots))
    hub.close = stack.close
    return hub


def _section(title: str) -> None:
    print(f"\n== {title} " + "=" * max(0, 70 - len(title)), flush=True)


def main(rows: int = 3) -> int:
    """Run the demo; returns 0."""
    import polars as pl
    from tqdm.auto import tqdm

    import polards as pds

    started = time.perf_counter()
    with emulated_hub() as hub:
        print(f"Local Hub emulator at {hub.endpoint} (bundled fixture repos; no network)")

        _section(f"1. {REPO}: configs and splits (metadata only)")
        for config in pds.get_dataset_config_names(REPO):
            splits = pds.get_dataset_split_names(REPO, config)
            print(f"  {config:<10} splits: {', '.join(splits)}")
        infos = pds.get_dataset_infos(REPO)
        info = infos.get(CONFIG)
        total = None
        if info is not None and info.splits:
            total = info.splits["train"].num_examples
            counts = ", ".join(f"{k}={v.num_examples:,}" for k, v in info.splits.items())
            print(f"  rows ({CONFIG}): {counts}")
            print(f"  features: {dict(info.features or {})}")

        _section(f"2. Streaming {REPO} [{CONFIG}] train, batch by batch")
        stream = pds.load_dataset(REPO, CONFIG, split="train", streaming=True)
        n_rows = n_chars = 0
        with tqdm(total=total, unit=" rows", desc="streaming train", file=sys.stdout) as bar:
            for batch in stream.with_format("polars").iter(batch_size=1000):
                n_rows += batch.height
                n_chars += int(batch["question"].str.len_chars().sum())
                bar.update(batch.height)
        print(f"  streamed {n_rows:,} rows; mean question length {n_chars / max(n_rows, 1):.0f} characters")

        _section("3. A lazy pipeline and its plan (nothing has run yet)")
        test = pds.load_dataset(REPO, CONFIG, split="test")
        pipeline = (
            test.with_columns(
                final_answer=pl.col("answer")
                .str.extract(r"####\s*(.+)$")
                .str.replace_all(",", "")
                .str.strip_chars(),
                steps=pl.col("answer").str.count_matches("\n"),
            )
            .filter(pl.col("steps") >= 4)
            .select_columns(["question", "final_answer", "steps"])
        )
        print(pipeline.explain())

        _section(f"4. The first {rows} rows of the pipeline")
        frame = pipeline.take(rows).to_polars()
        with pl.Config(fmt_str_lengths=70, tbl_width_chars=120, tbl_hide_dataframe_shape=True):
            print(frame)
        print(f"  {len(pipeline):,} of {len(test):,} test problems need 4+ steps")
    print(f"\nDone in {time.perf_counter() - started:.1f} s.")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
