"""Injected faults seen by a raw http client, each healing after ``times``; request log contents."""

from __future__ import annotations

import http.client
import threading
import time
import urllib.parse

import pytest
from huggingface_hub import HfApi

from polards.testing.hub import HubEmulator

FILE = "data/test-00000-of-00001.parquet"


def _conn(emu: HubEmulator) -> http.client.HTTPConnection:
    host, port = urllib.parse.urlsplit(emu.endpoint).netloc.split(":")
    return http.client.HTTPConnection(host, int(port), timeout=10)


def _get(emu: HubEmulator, path: str, method: str = "GET", headers: dict | None = None):
    conn = _conn(emu)
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def _file_path(emu: HubEmulator) -> str:
    return urllib.parse.urlsplit(emu.resolve_url("acme/qa", FILE)).path


def test_status_fault_heals_after_times(emu: HubEmulator) -> None:
    fault = emu.faults.add("*/resolve/*/data/test-*", status=503, times=2)
    path = _file_path(emu)
    assert _get(emu, path)[0] == 503
    status, headers, _ = _get(emu, path, "HEAD")  # HEAD requests are faulted too
    assert status == 503 and "Injected fault" in headers["X-Error-Message"]
    status, headers, body = _get(emu, path)
    assert status == 200 and body[:4] == b"PAR1"
    assert fault.hits == 2 and len(emu.faults) == 0
    assert [r.fault for r in emu.requests] == ["status:503", "status:503", None]
    assert [r.status for r in emu.requests] == [503, 503, 200]


def test_429_with_retry_after(emu: HubEmulator) -> None:
    emu.faults.add("/api/datasets/acme/qa", status=429, retry_after=1, times=1)
    status, headers, _ = _get(emu, "/api/datasets/acme/qa")
    assert status == 429 and headers["Retry-After"] == "1"
    assert _get(emu, "/api/datasets/acme/qa")[0] == 200


def test_failing_repo_info_call_is_retried_or_raised(emu: HubEmulator, env) -> None:
    from huggingface_hub.errors import HfHubHTTPError

    emu.faults.add("re:^/api/datasets/acme/qa$", status=500, times=None)
    with pytest.raises(HfHubHTTPError):
        HfApi(endpoint=emu.endpoint, token=False).dataset_info("acme/qa")
    emu.faults.clear()
    assert HfApi(endpoint=emu.endpoint, token=False).dataset_info("acme/qa").id == "acme/qa"


def test_latency_fault(emu: HubEmulator) -> None:
    emu.faults.add("/api/datasets/acme/qa", latency=0.3, times=1)
    t0 = time.perf_counter()
    assert _get(emu, "/api/datasets/acme/qa")[0] == 200
    assert time.perf_counter() - t0 >= 0.3
    t0 = time.perf_counter()
    _get(emu, "/api/datasets/acme/qa")
    assert time.perf_counter() - t0 < 0.3


def test_truncate_fault_sends_full_length_then_closes(emu: HubEmulator) -> None:
    emu.faults.add("*test-00000-of-00001.parquet", truncate_after=100, times=1)
    conn = _conn(emu)
    conn.request("GET", _file_path(emu))
    resp = conn.getresponse()
    full = int(resp.headers["Content-Length"])
    assert full > 100
    with pytest.raises(http.client.IncompleteRead) as err:
        resp.read()
    assert len(err.value.partial) == 100
    conn.close()
    assert emu.requests[-1].bytes_sent == 100 and emu.requests[-1].fault == "truncate"
    status, _, body = _get(emu, _file_path(emu))
    assert status == 200 and len(body) == full


def test_truncate_applies_to_range_requests(emu: HubEmulator) -> None:
    emu.faults.add("*test-00000-of-00001.parquet", truncate_after=10, times=1)
    conn = _conn(emu)
    conn.request("GET", _file_path(emu), headers={"Range": "bytes=0-99"})
    resp = conn.getresponse()
    assert resp.status == 206 and resp.headers["Content-Length"] == "100"
    with pytest.raises(http.client.IncompleteRead):
        resp.read()
    conn.close()


def test_reset_fault_closes_without_response(emu: HubEmulator) -> None:
    emu.faults.add("*/resolve/*", reset=True, times=1, method="GET")
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine)):
        _get(emu, _file_path(emu))
    assert emu.requests[-1].status == 0 and emu.requests[-1].fault == "reset"
    assert _get(emu, _file_path(emu))[0] == 200


def test_fault_method_filter_and_regex(emu: HubEmulator) -> None:
    emu.faults.add("re:/resolve/.*README", status=500, times=None, method="HEAD")
    path = urllib.parse.urlsplit(emu.resolve_url("acme/qa", "README.md")).path
    assert _get(emu, path, "HEAD")[0] == 500
    assert _get(emu, path, "GET")[0] == 200
    assert _get(emu, path, "HEAD")[0] == 500  # times=None never heals
    emu.faults.clear()
    assert _get(emu, path, "HEAD")[0] == 200


def test_fault_matches_decoded_revision(emu: HubEmulator) -> None:
    emu.faults.add("*/resolve/refs/convert/parquet/*", status=502, times=1)
    url = emu.resolve_url("acme/qa", "default/test/0000.parquet", revision="refs/convert/parquet")
    assert _get(emu, urllib.parse.urlsplit(url).path)[0] == 502


def test_fault_without_effect_is_rejected(emu: HubEmulator) -> None:
    with pytest.raises(ValueError, match="does nothing"):
        emu.faults.add("*")


def test_ranges_and_keep_alive(emu: HubEmulator) -> None:
    size = len(_get(emu, _file_path(emu))[2])
    conn = _conn(emu)  # one connection, several requests: Content-Length always set
    try:
        for spec, expect in [
            ("bytes=0-3", (206, f"bytes 0-3/{size}", 4)),
            (f"bytes={size - 4}-", (206, f"bytes {size - 4}-{size - 1}/{size}", 4)),
            ("bytes=-4", (206, f"bytes {size - 4}-{size - 1}/{size}", 4)),
            (f"bytes=-{size + 10}", (206, f"bytes 0-{size - 1}/{size}", size)),
            (f"bytes={size}-", (416, f"bytes */{size}", None)),
        ]:
            conn.request("GET", _file_path(emu), headers={"Range": spec})
            resp = conn.getresponse()
            body = resp.read()
            assert (resp.status, resp.headers["Content-Range"]) == expect[:2], spec
            if expect[2] is not None:
                assert len(body) == expect[2]
        conn.request("HEAD", _file_path(emu))
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 200 and int(resp.headers["Content-Length"]) == size
        assert resp.headers["Accept-Ranges"] == "bytes" and resp.headers["X-Repo-Commit"] == emu.commit_sha(
            "acme/qa"
        )
        assert len(resp.headers["ETag"].strip('"')) == 64
    finally:
        conn.close()
    ranges = [r.range for r in emu.filter("GET") if r.range]
    assert ranges[0] == "bytes=0-3"


def test_concurrent_requests_are_all_logged(emu: HubEmulator) -> None:
    path = _file_path(emu)
    results: list[int] = []

    def worker() -> None:
        for _ in range(5):
            results.append(_get(emu, path, headers={"Range": "bytes=0-9"})[0])

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [206] * 40
    assert emu.count("GET", "test-00000") == 40


def test_stop_closes_keep_alive_connections(repos_root) -> None:
    emu = HubEmulator(repos_root).start()
    conn = _conn(emu)
    conn.request("GET", "/api/datasets/acme/qa")
    conn.getresponse().read()
    emu.stop()
    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        conn.request("GET", "/api/datasets/acme/qa")
        conn.getresponse().read()
    conn.close()


def test_stall_mid_body_triggers_client_read_timeout(emu: HubEmulator) -> None:
    emu.faults.add("*test-00000-of-00001.parquet", truncate_after=50, stall=1.0, times=1)
    host, port = urllib.parse.urlsplit(emu.endpoint).netloc.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=0.3)
    conn.request("GET", _file_path(emu))
    resp = conn.getresponse()
    with pytest.raises(TimeoutError):
        resp.read()
    conn.close()
    with pytest.raises(ValueError, match="stall"):
        emu.faults.add("*", stall=1.0)


def test_bad_requests_get_an_answer_not_a_dropped_connection(emu: HubEmulator) -> None:
    conn = _conn(emu)
    try:
        conn.request(
            "POST",
            "/api/datasets/acme/qa/paths-info/main",
            body=b"{not json",
            headers={"Content-Type": "application/json"},
        )
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 500 and "JSONDecodeError" in resp.headers["X-Error-Message"]
    finally:
        conn.close()
    status, headers, _ = _get(
        emu, "/api/datasets/acme/qa/tree/main/d%C3%A9j%C3%A0"
    )  # non-ASCII in the message
    assert (
        status == 404 and headers["X-Error-Code"] == "EntryNotFound" and "\\xe9" in headers["X-Error-Message"]
    )


def test_corrupt_fault_serves_wrong_bytes_under_the_real_etag(emu: HubEmulator) -> None:
    import hashlib

    emu.faults.add("*test-00000-of-00001.parquet", corrupt=True, times=1, method="GET")
    status, headers, bad = _get(emu, _file_path(emu))
    etag = headers["ETag"].strip('"')
    assert status == 200 and len(bad) == int(headers["Content-Length"])
    assert hashlib.sha256(bad).hexdigest() != etag
    assert emu.requests[-1].fault == "corrupt"
    _, _, good = _get(emu, _file_path(emu))
    assert hashlib.sha256(good).hexdigest() == etag and good[1:] == bad[1:]
