"""A local Hugging Face Hub emulator for dataset repos (see :class:`HubEmulator`).

A real threaded HTTP/1.1 server on loopback that ``huggingface_hub`` (``HfApi``, ``hf_hub_download``,
``snapshot_download``, ``HfFileSystem``), Polars' http reader and ``datasets`` talk to through
``HF_ENDPOINT`` / ``endpoint=``. Repos are folders (see :mod:`polards.testing.hub.repo` for the layout;
:func:`write_repo` builds them); every request is logged and faults can be injected per URL path.

Usage::

    with HubEmulator(root) as hub:                       # or the pytest fixtures `hub`, `hub_factory`, `hf_env`
        api = HfApi(endpoint=hub.endpoint, token=False)
        api.dataset_info("acme/qa")
        hub.faults.add("*/resolve/*/data/train-*", status=503, times=2)    # heals after 2 hits
        hub.faults.add("*/resolve/*", truncate_after=1000, times=1)        # full Content-Length, short body
        hub.faults.add("re:/api/datasets/acme/qa$", reset=True)            # TCP reset, no response
        pl.scan_parquet(hub.resolve_url("acme/qa", "data/train.parquet")).select(pl.len()).collect()
        assert hub.count("GET", "/resolve/") == 1

Command line: ``python -m polards.testing.hub [--root DIR] [--port N] [--lfs-redirect]``.

>>> from polards.testing.hub import HubEmulator, DEFAULT_TOKEN
>>> DEFAULT_TOKEN
'hf_polards_test_token'
"""

from polards.testing.hub.faults import Fault, FaultInjector
from polards.testing.hub.repo import DEFAULT_TOKEN, PARQUET_REF, RepoStore, commit_sha, git_blob_oid
from polards.testing.hub.repo_builder import write_repo
from polards.testing.hub.server import HubEmulator, RequestRecord, bundled_root

__all__ = [
    "DEFAULT_TOKEN",
    "PARQUET_REF",
    "Fault",
    "FaultInjector",
    "HubEmulator",
    "RepoStore",
    "RequestRecord",
    "bundled_root",
    "commit_sha",
    "git_blob_oid",
    "write_repo",
]
