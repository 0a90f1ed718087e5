"""A local Hugging Face Hub emulator for dataset repos (see :class:`HubEmulator`).

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
