"""Overload sheds load with 429 and Retry-After, as kube's max-in-flight filter does."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.support.server import running


def test_in_flight_limit_answers_429(tmp_path: Path) -> None:
    with running(tmp_path / "root", "--max-requests-inflight=1") as server:

        def hit(_: int) -> tuple[int, str | None]:
            code, body, headers = server.request("GET", "/clusters/root/api/v1/namespaces?limit=500")
            if code == 429:
                assert body["kind"] == "Status" and body["reason"] == "TooManyRequests"
            return code, headers.get("Retry-After")

        with ThreadPoolExecutor(32) as pool:
            results = list(pool.map(hit, range(400)))
    codes = {code for code, _ in results}
    assert codes <= {200, 429} and 200 in codes and 429 in codes
    assert all(retry == "1" for code, retry in results if code == 429)
