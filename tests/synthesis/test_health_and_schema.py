import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_health_needs_no_key_and_reports_the_engine_and_worker(gpu_worker):
    response = APIClient().get("/api/tts/v1/tts/health")

    assert response.status_code == 200
    health = response.json()
    assert health["status"] == "ok"
    assert health["default_engine"] == "local"
    local = health["engines"]["local"]
    assert gpu_worker.url.split("//")[1] not in response.content.decode()  # no worker address for anyone
    assert local["reachable"] is True
    assert local["ready"] is True
    assert {model["type"] for model in local["models"]} == {"base", "custom_voice"}
    assert "speak noise" in local["warning"]
    assert "anonymous_account" not in health  # whether keyless access is on is nobody's business


def test_health_says_when_the_worker_is_unreachable_but_not_where_it_is_or_why(settings):
    settings.GPU_WORKER_URL = "http://127.0.0.1:9"

    local = APIClient().get("/api/tts/v1/tts/health").json()["engines"]["local"]

    assert local == {"enabled": True, "configured": True, "reachable": False, "ready": False}


def test_health_lists_every_known_engine_and_whether_clients_may_choose_it(settings):
    settings.TTS_ENABLED_ENGINES = ("local",)
    settings.GPU_WORKER_URL = "http://127.0.0.1:9"
    settings.VASTAI_API_KEY = ""
    settings.VASTAI_ENDPOINT_ID = "1234"

    engines = APIClient().get("/api/tts/v1/tts/health").json()["engines"]

    assert engines["local"]["enabled"] is True
    assert engines["vastai"] == {"enabled": False, "configured": False, "missing": ["VASTAI_API_KEY"]}


def test_health_does_not_say_whether_keyless_access_is_on(settings):
    settings.TTS_ANONYMOUS_ACCOUNT = "libread"
    settings.GPU_WORKER_URL = "http://127.0.0.1:9"

    assert "libread" not in APIClient().get("/api/tts/v1/tts/health").content.decode()


def test_the_openapi_schema_describes_the_jobs_api():
    response = APIClient().get("/api/tts/v1/schema", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/tts/v1/tts/jobs" in paths
    assert "/api/tts/v1/tts/jobs/{job_id}/audio.{audio_format}" in paths


def test_unknown_paths_answer_in_the_error_shape(owner):
    response = owner.get("/api/tts/v1/tts/nothing-here")

    assert response.status_code == 404
    assert response.json() == {"error": "Not found", "code": "not_found"}


def test_paths_are_exact_without_trailing_slash_redirects(owner):
    assert owner.get("/api/tts/v1/tts/voices/").status_code == 404
