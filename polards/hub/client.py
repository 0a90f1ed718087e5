"""Connection settings read from the environment at call time, the HTTP session, and error translation.

``huggingface_hub`` freezes ``HF_ENDPOINT``, ``HF_HOME`` and ``HF_HUB_OFFLINE`` when it is imported. polards
reads them again on every call (:func:`hub_settings`) and passes ``endpoint=`` / ``cache_dir=`` / ``token=``
explicitly, so a test or a notebook can change them at any time.

>>> s = hub_settings(token=False, cache_dir="/tmp/hf-cache")
>>> s.cache_dir
'/tmp/hf-cache'
>>> s.token is None
True
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from polards.exceptions import (
    DatasetNotFoundError,
    GatedRepoError,
    HubConnectionError,
    OfflineCacheMissError,
    PolardsError,
)

DEFAULT_ENDPOINT = "https://huggingface.co"
_TRUE = {"1", "true", "yes", "on", "y", "t"}


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in _TRUE


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    try:
        return float(raw) if raw not in (None, "") else default
    except ValueError:
        return default


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with exponential backoff.

    Parameters
    ----------
    max_retries
        Retries after the first attempt (``POLARDS_HUB_MAX_RETRIES``, default 5).
    backoff
        First wait in seconds, doubled on each retry (``POLARDS_HUB_BACKOFF``, default 0.5).
    max_backoff
        Cap of a single wait, ``Retry-After`` included (``POLARDS_HUB_MAX_BACKOFF``, default 8).
    timeout
        Connect/read timeout of one request in seconds (``POLARDS_HUB_TIMEOUT``, default 10).
    deadline
        Wall-clock budget of one logical operation in seconds (``POLARDS_HUB_DEADLINE``, default 50): past it,
        no new attempt starts and :class:`~polards.exceptions.HubConnectionError` is raised.
    """

    max_retries: int = 5
    backoff: float = 0.5
    max_backoff: float = 8.0
    timeout: float = 10.0
    deadline: float = 50.0

    @classmethod
    def from_env(cls) -> RetryPolicy:
        """Read the policy from ``POLARDS_HUB_*`` environment variables."""
        return cls(
            max_retries=int(_env_float("POLARDS_HUB_MAX_RETRIES", 5)),
            backoff=_env_float("POLARDS_HUB_BACKOFF", 0.5),
            max_backoff=_env_float("POLARDS_HUB_MAX_BACKOFF", 8.0),
            timeout=_env_float("POLARDS_HUB_TIMEOUT", 10.0),
            deadline=_env_float("POLARDS_HUB_DEADLINE", 50.0),
        )


def _default_cache_dir() -> str:
    if os.environ.get("HF_HUB_CACHE"):
        return os.environ["HF_HUB_CACHE"]
    if os.environ.get("HUGGINGFACE_HUB_CACHE"):
        return os.environ["HUGGINGFACE_HUB_CACHE"]
    return str(Path(_hf_home()) / "hub")


def _hf_home() -> str:
    if os.environ.get("HF_HOME"):
        return os.environ["HF_HOME"]
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return str(Path(xdg) / "huggingface")


def _default_token() -> str | None:
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
        if os.environ.get(name, "").strip():
            return os.environ[name].strip()
    path = Path(os.environ.get("HF_TOKEN_PATH") or Path(_hf_home()) / "token")
    try:
        return path.read_text().strip() or None
    except OSError:
        return None


@dataclass(frozen=True)
class HubSettings:
    """Everything one Hub call needs, resolved from arguments first and the environment second."""

    endpoint: str
    token: str | None
    cache_dir: str
    offline: bool
    progress: bool
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    def headers(self) -> dict[str, str]:
        """Request headers: user agent plus ``Authorization`` when a token is known."""
        from huggingface_hub.utils import build_hf_headers

        return build_hf_headers(token=self.token or False, library_name="polards")

    def repo_url(self, repo_id: str) -> str:
        """``{endpoint}/api/datasets/{repo_id}``."""
        return f"{self.endpoint}/api/datasets/{repo_id}"

    def resolve_url(self, repo_id: str, revision: str, path: str) -> str:
        """The download URL of one file, the revision percent-encoded like ``huggingface_hub`` does."""
        return f"{self.endpoint}/datasets/{repo_id}/resolve/{quote(revision, safe='')}/{quote(path)}"


def hub_settings(
    *, token: str | bool | None = None, cache_dir: str | os.PathLike[str] | None = None
) -> HubSettings:
    """Build :class:`HubSettings` from arguments and the environment as it is *now*.

    ``token=False`` sends no token; ``token=None`` falls back to ``HF_TOKEN`` then ``$HF_HOME/token``.
    """
    if token is False:
        tok = None
    elif isinstance(token, str) and token:
        tok = token
    else:
        tok = _default_token()
    return HubSettings(
        endpoint=(os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/"),
        token=tok,
        cache_dir=str(cache_dir) if cache_dir is not None else _default_cache_dir(),
        offline=_env_flag("HF_HUB_OFFLINE") or _env_flag("HF_DATASETS_OFFLINE"),
        progress=not _env_flag("HF_HUB_DISABLE_PROGRESS_BARS"),
        retry=RetryPolicy.from_env(),
    )


def hf_api(settings: HubSettings) -> Any:
    """An ``HfApi`` bound to ``settings``' endpoint and token (never the import-time constants)."""
    from huggingface_hub import HfApi

    return HfApi(endpoint=settings.endpoint, token=settings.token or False, library_name="polards")


def hf_file_system(settings: HubSettings) -> Any:
    """A fresh ``HfFileSystem`` bound to ``settings``' endpoint and token (no stale instance cache)."""
    from huggingface_hub import HfFileSystem

    return HfFileSystem(endpoint=settings.endpoint, token=settings.token or False, skip_instance_cache=True)


def session() -> Any:
    """The shared ``httpx2.Client`` of ``huggingface_hub`` (connection pooling, proxies, hooks)."""
    from huggingface_hub.utils import get_session

    return get_session()


def raise_for_status(response: Any, repo_id: str, settings: HubSettings, what: str = "") -> None:
    """Raise the polards exception for an error response (typed through ``hf_raise_for_status``)."""
    if response.status_code < 400:
        return
    from huggingface_hub.utils import hf_raise_for_status

    try:
        hf_raise_for_status(response)
    except Exception as exc:  # noqa: BLE001 - translated below
        raise translate_error(exc, repo_id, settings, what) from exc


def _auth_hint(repo_id: str, settings: HubSettings) -> str:
    if settings.token:
        how = "The token that was sent is not accepted for this repo: check it has access"
    else:
        how = "No token was sent: pass token='hf_...' or set HF_TOKEN (or run `hf auth login`)"
    return (
        f"Dataset {repo_id!r} is gated or private and needs authentication. {how}; "
        f"request access on {settings.endpoint}/datasets/{repo_id} if you have not."
    )


def translate_error(exc: BaseException, repo_id: str, settings: HubSettings, what: str = "") -> PolardsError:
    """Map a ``huggingface_hub`` / ``httpx2`` exception to the polards exception for the same situation.

    >>> s = hub_settings(token=False)
    >>> type(translate_error(TimeoutError("slow"), "acme/qa", s)).__name__
    'HubConnectionError'
    """
    if isinstance(exc, PolardsError):
        return exc
    from huggingface_hub import errors as hf_errors

    status = getattr(getattr(exc, "response", None), "status_code", None)
    target = f" ({what})" if what else ""
    if isinstance(exc, hf_errors.GatedRepoError) or status in (401, 403):
        return GatedRepoError(_auth_hint(repo_id, settings))
    if isinstance(exc, hf_errors.RevisionNotFoundError):
        return DatasetNotFoundError(f"Revision not found for dataset {repo_id!r}{target}: {_first_line(exc)}")
    if isinstance(exc, hf_errors.RepositoryNotFoundError):
        return DatasetNotFoundError(
            f"Dataset {repo_id!r} doesn't exist on the Hub at {settings.endpoint} or cannot be accessed."
        )
    if isinstance(exc, hf_errors.RemoteEntryNotFoundError) or status == 404:
        return DatasetNotFoundError(f"File not found in dataset {repo_id!r}{target}: {_first_line(exc)}")
    if isinstance(exc, hf_errors.OfflineModeIsEnabled):
        return OfflineCacheMissError(f"Offline mode is on and {repo_id!r}{target} is not cached: {exc}")
    return HubConnectionError(
        f"Could not reach the Hub at {settings.endpoint} for dataset {repo_id!r}{target}: "
        f"{type(exc).__name__}: {_first_line(exc)}"
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
