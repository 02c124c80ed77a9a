"""Every 4xx, from any layer the service controls, is ``{"error", "code"}`` JSON, never a 500."""

import json

import pytest
from django.test import Client

from synthesis import dispatch, intake
from tests.support.service import JOBS

pytestmark = pytest.mark.django_db

VOICES = "/api/tts/v1/tts/voices"


def assert_error_shape(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "code"}
    assert isinstance(body["error"], str)
    assert body["error"]
    if code:
        assert body["code"] == code
    return body


@pytest.mark.parametrize("path", [VOICES, JOBS + "/local_1_abc", "/api/tts/v1/tts/health"])
def test_a_format_query_parameter_picks_no_renderer(owner, path):
    response = owner.get(f"{path}?format=wav")

    assert response.status_code in (200, 404)
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("path", [f"{JOBS}/%00", f"{JOBS}/%00/cancel", f"{VOICES}/%00", f"{JOBS}/a%00b/audio.wav"])
def test_an_id_with_a_nul_byte_is_not_found(owner, path):
    assert_error_shape(owner.get(path), 404, "not_found")


def test_json_nested_too_deeply_is_a_parse_error(owner):
    body = "[" * 50_000 + "]" * 50_000

    response = owner.post(JOBS, body, content_type="application/json")

    assert_error_shape(response, 400, "parse_error")


def test_a_body_over_the_upload_limit_is_413(owner, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = owner.post(JOBS, json.dumps({"text": "x" * 2000}), content_type="application/json")

    assert_error_shape(response, 413, "request_too_large")


def test_too_many_multipart_fields_are_refused_in_the_error_shape(owner, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5

    response = owner.post(VOICES, {f"field{n}": "x" for n in range(20)})

    assert_error_shape(response, 400)


def test_a_foreign_host_is_refused_in_the_error_shape():
    response = Client().get("/api/tts/v1/tts/health", HTTP_HOST="evil.example")

    assert_error_shape(response, 400, "bad_request")


def test_schema_errors_are_json_too(client):
    response = client.post("/api/tts/v1/schema")

    assert_error_shape(response, 405, "method_not_allowed")


@pytest.fixture
def complete_job(owner, gpu_worker, django_capture_on_commit_callbacks):
    job = intake.job_create(account=owner.account, text="Play me back.", engine="local")
    dispatch.job_dispatch_next_batch(job_id=job.pk)
    return job


def test_a_malformed_range_is_416_in_the_error_shape(owner, complete_job):
    response = owner.get(f"{JOBS}/{complete_job.public_id}/audio.wav", HTTP_RANGE="bytes=abc")

    assert_error_shape(response, 416, "range_not_satisfiable")
    assert response["Content-Range"].startswith("bytes */")


@pytest.mark.parametrize("accept", ["audio/wav", "audio/*", "audio/mpeg;q=0.9, audio/wav"])
def test_a_player_asking_for_audio_gets_audio(owner, complete_job, accept):
    job = complete_job.public_id

    whole = owner.get(f"{JOBS}/{job}/audio.wav", HTTP_ACCEPT=accept)
    segment = owner.get(f"{JOBS}/{job}/segments/0", HTTP_ACCEPT=accept)

    assert (whole.status_code, whole["Content-Type"]) == (200, "audio/wav")
    assert (segment.status_code, segment["Content-Type"]) == (200, "audio/wav")
