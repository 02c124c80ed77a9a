"""The real PyWorker does work only for signed requests: the framework's unsigned session and
update routes answer 404, move no load and reach nothing; bodies are capped before parsing."""

import time

import httpx
import pytest

from gpu_worker.testing.processes import wait_until
from gpu_worker.testing.pyworker import signed_post

# What a stranger can make up: the framework took it as it was, cost and all.
FORGED_AUTH = {"cost": 1e9, "endpoint": "x", "reqnum": 1, "request_idx": 1, "signature": "AAAA", "url": "x"}
SESSION_CREATE = {
    "auth_data": FORGED_AUTH,
    "payload": {
        "lifetime": 0.1,
        "on_close_route": "/synthesize",
        "on_close_payload": {"text": "unsigned work", "voice": "default"},
    },
}
SESSION_OF_A_STRANGER = {"session_id": "xIm6QLf8EIyNG", "session_auth": FORGED_AUTH}
UNSIGNED_ROUTES = [
    pytest.param("url", "/session/create", SESSION_CREATE, id="create"),
    pytest.param("url", "/session/end", SESSION_OF_A_STRANGER, id="end"),
    pytest.param("url", "/session/get", SESSION_OF_A_STRANGER, id="get"),
    pytest.param("url", "/session/health", SESSION_OF_A_STRANGER, id="health"),
    # MASTER_TOKEN is unset here, as it may be on a worker: the framework took the empty token as its own.
    pytest.param("url", "/pyworker/update", {}, id="update"),
    pytest.param("http_url", "/session/end", SESSION_OF_A_STRANGER, id="end-on-WORKER_HTTP_PORT"),
]
LOADS = ("cur_load", "new_load", "rej_load")


def knock_on_every_unsigned_route(pyworker) -> list[httpx.Response]:
    routes = [param.values for param in UNSIGNED_ROUTES]
    return [httpx.post(pyworker[port] + path, json=body, timeout=10) for port, path, body in routes]


@pytest.mark.parametrize(("port", "path", "body"), UNSIGNED_ROUTES)
def test_an_unsigned_route_of_the_framework_answers_404(pyworker, port, path, body):
    response = httpx.post(pyworker[port] + path, json=body, timeout=10)

    assert response.status_code == 404
    assert response.json() == {"status": "error", "error": "not found", "code": "not_found"}


def test_a_strangers_session_reaches_nothing_and_moves_no_reported_load(vast, pyworker):
    proxy, knocked_at = pyworker["proxy"], time.monotonic()
    posts_before = len(proxy.recorded("POST"))

    knock_on_every_unsigned_route(pyworker)
    # A signed request after them: the worker reports its load at once, so any the stranger set shows.
    signed = signed_post(vast, pyworker["url"], "/synthesize", {"text": "Only what is signed.", "voice": "default"})
    assert signed.status_code == 200
    answered_at = time.monotonic()
    wait_until(lambda: any(s["received_at"] > answered_at for s in vast.worker_statuses), 15, what="a report")

    reports = [status for status in vast.worker_statuses if status["received_at"] > knocked_at]
    assert reports
    assert max(status[load] for status in reports for load in LOADS) < FORGED_AUTH["cost"]
    assert [post["path"] for post in proxy.recorded("POST")[posts_before:]] == ["/synthesize"]


def test_a_signed_request_reaches_the_model_server_with_its_token(vast, pyworker):
    proxy = pyworker["proxy"]
    posts_before = len(proxy.recorded("POST"))

    response = signed_post(vast, pyworker["url"], "/synthesize", {"text": "With the token.", "voice": "default"})

    assert response.status_code == 200
    (reached,) = proxy.recorded("POST")[posts_before:]
    assert reached["headers"]["Authorization"] == f"Bearer {pyworker['token']}"


def test_an_oversized_body_is_refused_before_it_is_parsed(pyworker):
    proxy = pyworker["proxy"]
    posts_before = len(proxy.recorded("POST"))
    not_even_json = b"{" + b"x" * pyworker["max_body_bytes"]

    response = httpx.post(
        pyworker["url"] + "/synthesize", content=not_even_json, headers={"Content-Type": "application/json"}, timeout=30
    )

    assert response.status_code == 413
    assert response.json()["code"] == "request_entity_too_large"
    assert len(proxy.recorded("POST")) == posts_before
