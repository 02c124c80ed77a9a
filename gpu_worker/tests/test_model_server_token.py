"""With GPU_WORKER_TOKEN set, the model server answers only requests that carry it; /health stays open.

The model server here is the one behind the PyWorker, started with a token as on Vast.ai."""

import httpx
import pytest

SPEAK = {"text": "Hello.", "voice": "default"}


def post(pyworker, path: str, headers: dict | None = None) -> httpx.Response:
    return httpx.post(pyworker["model_server_url"] + path, json=SPEAK, headers=headers, timeout=120)


@pytest.mark.parametrize("path", ["/synthesize", "/voices/prompt", "/nowhere"])
def test_a_request_without_the_token_gets_401_in_the_worker_error_shape(pyworker, path):
    response = post(pyworker, path)

    assert response.status_code == 401
    assert response.json() == {
        "status": "error",
        "error": "this model server needs Authorization: Bearer <GPU_WORKER_TOKEN>",
        "code": "unauthorized",
    }


@pytest.mark.parametrize(
    "authorization", ["Bearer wrong-token", "Bearer", "Bearer {token}x", "{token}", "Basic {token}"]
)
def test_a_request_with_another_token_gets_401(pyworker, authorization):
    response = post(pyworker, "/synthesize", headers={"Authorization": authorization.format(token=pyworker["token"])})

    assert response.status_code == 401


def test_a_request_with_the_token_is_answered(pyworker):
    response = post(pyworker, "/synthesize", headers={"Authorization": f"Bearer {pyworker['token']}"})

    assert response.status_code == 200
    assert response.json()["status"] == "success"


def test_health_needs_no_token(pyworker):
    response = httpx.get(pyworker["model_server_url"] + "/health", timeout=10)

    assert response.status_code == 200
    assert response.json()["ready"] is True
