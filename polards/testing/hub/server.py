"""The Hub emulator: a threaded HTTP/1.1 server on loopback speaking the Hugging Face Hub API for datasets.

The routes live in :mod:`polards.testing.hub.handler`; this module holds the server and its lifecycle.

Requests are answered by :class:`~polards.testing.hub.handler.HubRequestHandler` (routes listed there),
logged in a :class:`~polards.testing.hub.requests_log.RequestLog` and subject to injected faults.

Examples
--------
>>> import json, urllib.request
>>> with HubEmulator(root=[]) as hub:
...     req = urllib.request.Request(hub.endpoint + "/api/datasets/acme/missing")
...     try:
...         urllib.request.urlopen(req)
...     except urllib.error.HTTPError as err:
...         print(err.code, err.headers["X-Error-Code"])
404 RepoNotFound
>>> hub.count()
1
"""

from __future__ import annotations

import http.server
import socket
import threading
from pathlib import Path
from urllib.parse import quote

from polards.testing.hub.faults import FaultInjector
from polards.testing.hub.handler import HubRequestHandler
from polards.testing.hub.repo import DEFAULT_TOKEN, RepoStore, quote_revision
from polards.testing.hub.requests_log import RequestLog, RequestRecord

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def bundled_root() -> Path:
    """Folder of the fixture repos shipped with polards (may not exist yet)."""
    return Path(__file__).resolve().parent.parent / "fixtures" / "repos"


class HubServer(http.server.ThreadingHTTPServer):
    """Thread-per-connection server that tracks open sockets so :meth:`HubEmulator.stop` can close them."""

    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, address, handler, emulator: HubEmulator):
        self.emulator = emulator
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request, client_address):
        with self.sockets_lock:
            self.open_sockets.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self.sockets_lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request, client_address):  # quiet: clients drop connections on purpose
        pass

    def close_all_connections(self) -> None:
        with self.sockets_lock:
            sockets = list(self.open_sockets)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class HubEmulator:
    """A local Hugging Face Hub for dataset repos, served from folders on a real loopback HTTP server.

    Parameters
    ----------
    root
        Folder (or list of folders) of fixture repos (``<root>/<owner>/<name>/``); None serves the bundled
        fixtures in ``polards/testing/fixtures/repos`` (a missing folder serves no repos).
    port
        TCP port; 0 picks a free one.
    host
        Loopback address to bind (``127.0.0.1``, ``localhost`` or ``::1``).
    lfs_redirect
        Answer resolve requests of LFS files with a 302 to ``http://localhost:{port}/cdn/{sha256}``, like
        the real Hub's CDN redirect.
    page_size
        Maximum number of entries per tree-listing page (``Link`` pagination beyond it).

    Examples
    --------
    >>> import tempfile, pathlib, urllib.request
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / "acme" / "tiny").mkdir(parents=True)
    >>> _ = (root / "acme" / "tiny" / "data.txt").write_text("hello")
    >>> with HubEmulator(root) as hub:
    ...     url = hub.resolve_url("acme/tiny", "data.txt")
    ...     urllib.request.urlopen(url).read()
    b'hello'
    """

    def __init__(
        self,
        root: str | Path | list[str | Path] | None = None,
        port: int = 0,
        *,
        host: str = "127.0.0.1",
        lfs_redirect: bool = False,
        page_size: int = 1000,
    ) -> None:
        if host not in LOOPBACK_HOSTS and not host.startswith("127."):
            raise ValueError(f"HubEmulator binds to loopback only; got host={host!r}.")
        if root is None:
            roots = [bundled_root()]
        elif isinstance(root, (str, Path)):
            roots = [Path(root)]
        else:
            roots = [Path(r) for r in root]
        self.store = RepoStore(roots)
        self.host = host
        self.lfs_redirect = lfs_redirect
        self.page_size = page_size
        self.token = DEFAULT_TOKEN
        self.faults = FaultInjector()
        self._requested_port = port
        self._server: HubServer | None = None
        self._thread: threading.Thread | None = None
        self.log = RequestLog()

    # ------------------------------------------------------------------ lifecycle
    @property
    def roots(self) -> list[Path]:
        return self.store.roots

    def start(self) -> HubEmulator:
        """Bind and serve in a daemon thread; returns self."""
        if self._server is not None:
            return self
        server_cls = HubServer
        if ":" in self.host:
            server_cls = type("HubServer6", (HubServer,), {"address_family": socket.AF_INET6})
        self._server = server_cls((self.host, self._requested_port), HubRequestHandler, self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="hub-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every open connection (idempotent)."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_all_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._thread = None

    def __enter__(self) -> HubEmulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("HubEmulator is not running; call start() or use it as a context manager.")
        return self._server.server_address[1]

    @property
    def endpoint(self) -> str:
        """``http://127.0.0.1:PORT``: the value for ``HF_ENDPOINT`` / ``endpoint=``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    url = endpoint

    @property
    def cdn_host(self) -> str:
        """Host of LFS redirects: a name for the same server that differs from the API host, so that
        huggingface_hub reads the file metadata from the 302 itself, as with the real Hub's CDN."""
        return "127.0.0.1" if self.host == "localhost" else "localhost"

    def env(self) -> dict[str, str]:
        """Environment variables pointing huggingface_hub at this emulator."""
        return {"HF_ENDPOINT": self.endpoint}

    def resolve_url(self, repo_id: str, path: str, revision: str = "main") -> str:
        """The download URL of ``path`` in ``repo_id`` at ``revision`` (revision percent-encoded)."""
        return f"{self.endpoint}/datasets/{repo_id}/resolve/{quote_revision(revision)}/{quote(path)}"

    def commit_sha(self, repo_id: str, revision: str = "main") -> str:
        """The commit sha the emulator reports for ``revision`` of ``repo_id``."""
        repo = self.store.get_repo(repo_id)
        rev = repo.revision(revision) if repo is not None else None
        if rev is None:
            raise KeyError(f"No revision {revision!r} of dataset repo {repo_id!r} under {self.roots}")
        return rev.sha

    # ------------------------------------------------------------------ request log
    def _log(self, record: RequestRecord) -> None:
        self.log.append(record)

    @property
    def requests(self) -> list[RequestRecord]:
        """A copy of the request log, oldest first."""
        return self.log.records()

    def reset_requests(self) -> None:
        """Empty the request log."""
        self.log.clear()

    def count(self, method: str | None = None, path_contains: str | None = None) -> int:
        """Number of logged requests with this method and whose raw or decoded path contains a string."""
        return self.log.count(method, path_contains)

    def filter(self, method: str | None = None, path_contains: str | None = None) -> list[RequestRecord]:
        """Logged requests with this method and whose raw or decoded path contains ``path_contains``."""
        return self.log.filter(method, path_contains)

    def __repr__(self) -> str:
        where = self.endpoint if self.running else "stopped"
        return f"HubEmulator({where}, roots={[str(r) for r in self.roots]})"
