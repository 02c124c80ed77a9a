"""engine=vastai end to end: Celery, the fake route service, the real PyWorker and model server."""

import time
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from engines.models import WorkerRequest
from gpu_worker.testing.processes import wait_until
from gpu_worker.testing.pyworker import INSTANCE_ID
from tests.support.fake_vast import INSTANCE_PRICE
from tests.support.service import JOBS, wait_for_job

TEXT = (
    "The caravan reached the pass at dusk.\n\n"
    "The guide said they would camp there for the night.\n\n"
    "Nobody argued; the wind had already begun to rise."
)


@pytest.fixture
def vast_job(vast, live_worker, owner):
    def submit(text: str = TEXT) -> str:
        response = owner.post(f"{JOBS}?engine=vastai", {"text": text, "language": "English"}, format="json")
        assert response.status_code == 202, response.content
        return response.json()["job_id"]

    return submit


def test_a_job_completes_and_each_worker_request_is_recorded(vast, vast_job, owner):
    job_id = vast_job()

    job = wait_for_job(owner, job_id)

    assert job["status"] == "complete"
    assert job_id.startswith("vastai_")
    requests = list(WorkerRequest.objects.filter(job_public_id=job_id).order_by("created_at"))
    assert len(requests) == len(vast.tap.synthesis_requests()) >= 2
    for request in requests:
        assert request.engine == "vastai"
        assert request.http_status == 200
        assert request.instance_id == INSTANCE_ID
        assert request.worker_url == vast.fake.worker_url
        assert request.latency > 0
        assert request.request_idx > 0
        assert request.price_per_hour == Decimal(INSTANCE_PRICE)
    assert sorted(i for request in requests for i in request.segment_indexes) == list(range(len(job["segments"])))


def test_the_route_gets_the_endpoint_its_key_and_the_cost_in_characters(vast, vast_job, owner):
    wait_for_job(owner, vast_job())

    first = vast.fake.route_calls[0]
    assert first["endpoint"] == "libread-tts-test"
    assert first["api_key"] == vast.fake.endpoint_key
    sent = vast.tap.synthesis_requests()[0]["body"]
    assert first["cost"] == sum(len(segment["text"]) for segment in sent["segments"])


def test_a_cold_start_shows_queued_with_a_message_then_completes(vast, vast_job, owner):
    vast.fake.waiting_polls = 6

    job_id = vast_job()

    queued = wait_for_job(owner, job_id, statuses=("queued",), timeout=30)
    assert "GPU worker is starting" in queued["message"]
    job = wait_for_job(owner, job_id)
    assert job["status"] == "complete"
    assert job["message"] is None
    polls = [call["request_idx"] for call in vast.fake.route_calls[:7]]
    assert polls[0] == 0
    assert len(set(polls[1:])) == 1  # every poll reuses the request_idx the route assigned


def test_route_server_errors_are_retried(vast, vast_job, owner):
    vast.fake.route_failures = [502, 503]

    assert wait_for_job(owner, vast_job())["status"] == "complete"


def test_worker_server_errors_are_retried(vast, vast_job, owner):
    vast.tap.fail_next(2, 500, {"status": "error", "error": "CUDA hiccup", "code": "internal"})

    job_id = vast_job()

    assert wait_for_job(owner, job_id)["status"] == "complete"
    assert vast.tap.sent_indexes().count(0) == 3


def test_a_worker_that_never_answers_ends_the_job_in_error_after_bounded_sends(vast, vast_job, owner, settings):
    vast.tap.hang_next(10, seconds=30)

    job = wait_for_job(owner, vast_job("Nobody is listening here."), timeout=120)

    assert job["status"] == "error"
    assert "did not answer" in job["error"]
    assert vast.tap.sent_indexes().count(0) == settings.TTS_SEGMENT_MAX_ATTEMPTS


def test_a_worker_401_is_not_retried(vast, vast_job, owner):
    vast.fake.forged_replies = 1

    job = wait_for_job(owner, vast_job("Let me in, please."))

    assert job["status"] == "error"
    assert "rejected the request's credentials (401)" in job["error"]
    assert len(vast.fake.route_calls) == 1
    assert vast.tap.synthesis_requests() == []


def test_an_unconfigured_engine_answers_503_with_libreads_own_message(owner, settings):
    settings.VASTAI_API_KEY = ""

    response = owner.post(f"{JOBS}?engine=vastai", {"text": "Hello."}, format="json")

    assert response.status_code == 503
    assert response.json() == {"error": "Vast.ai TTS not configured", "code": "engine_not_configured"}


def test_health_says_what_vastai_is_missing(db, settings):
    settings.VASTAI_API_KEY = ""
    settings.VASTAI_ENDPOINT_ID = ""
    settings.GPU_WORKER_URL = "http://127.0.0.1:9"

    vastai = APIClient().get("/api/tts/v1/tts/health").json()["engines"]["vastai"]

    assert vastai == {"enabled": True, "configured": False, "missing": ["VASTAI_API_KEY", "VASTAI_ENDPOINT_ID"]}


def test_a_job_canceled_while_it_waits_for_a_worker_sends_nothing(vast, vast_job, owner):
    vast.fake.waiting_polls = 10_000
    job_id = vast_job("Never mind, then.")
    wait_for_job(owner, job_id, statuses=("queued",), timeout=30)

    assert owner.post(f"{JOBS}/{job_id}/cancel").json()["status"] == "canceled"

    wait_until(lambda: owner.get(f"{JOBS}/{job_id}").json()["segments"][0]["status"] == "canceled", 30, what="it")
    vast.fake.waiting_polls = 0  # a worker is ready now, too late for this job
    time.sleep(2)
    assert vast.tap.synthesis_requests() == []
