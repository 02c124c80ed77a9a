"""The Vast.ai engine called directly: endpoint lookup, key refresh, and what reaches the worker."""

import time
from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from engines.base import Batch, BatchVoice, EngineError, SegmentText, TransientEngineError
from engines.models import WorkerRequest
from engines.vastai import VastaiEngine
from gpu_worker.testing.processes import free_port
from synthesis import dispatch, intake, lifecycle
from synthesis.tasks import synthesize_job
from tests.support.fake_vast import ACCOUNT_KEY, ENDPOINT_NAME, INSTANCE_PRICE
from tests.support.service import JOBS
from tests.support.worker_tap import WorkerTap

pytestmark = pytest.mark.django_db

BATCH = Batch([SegmentText(0, "Hello from the engine.")], "english", BatchVoice("ryan"), seed=3)
PLAIN_HTTP_WORKER = "http://203.0.113.7:3000"  # a documentation address: nothing answers there


@pytest.fixture
def route_to(vast):
    """Have the route service send clients to another worker URL for the test."""
    real_worker = vast.fake.worker_url

    def route(url: str) -> None:
        vast.fake.worker_url = url

    yield route
    vast.fake.worker_url = real_worker


def test_the_endpoint_is_looked_up_once_by_id_and_cached(vast):
    engine = VastaiEngine()

    engine.synthesize(BATCH)
    engine.synthesize(BATCH)

    assert vast.fake.console_calls.count("/api/v0/endptjobs/") == 1
    assert {call["api_key"] for call in vast.fake.route_calls} == {vast.fake.endpoint_key}


def test_with_an_endpoint_name_no_lookup_is_needed(vast, settings):
    settings.VASTAI_ENDPOINT_NAME = ENDPOINT_NAME

    VastaiEngine().synthesize(BATCH)

    assert "/api/v0/endptjobs/" not in vast.fake.console_calls
    assert vast.fake.route_calls[0]["api_key"] == ACCOUNT_KEY


def test_a_route_401_fetches_the_endpoint_key_again_once(vast):
    engine = VastaiEngine()
    engine.synthesize(BATCH)
    vast.fake.endpoint_key = "endpoint-key-rotated"
    try:
        result = engine.synthesize(BATCH)
    finally:
        vast.fake.endpoint_key = "endpoint-key-1"

    assert result.segments[0].wav
    assert vast.fake.console_calls.count("/api/v0/endptjobs/") == 2


def test_an_unknown_endpoint_is_a_clear_error(vast, settings):
    settings.VASTAI_ENDPOINT_ID = "999"

    with pytest.raises(EngineError, match="no endpoint with id 999"):
        VastaiEngine().synthesize(BATCH)


def test_the_account_key_never_reaches_the_worker(vast):
    spy = WorkerTap(vast.fake.worker_url).start()
    worker_url, vast.fake.worker_url = vast.fake.worker_url, spy.url
    try:
        VastaiEngine().synthesize(BATCH)
    finally:
        vast.fake.worker_url = worker_url
        spy.stop()

    (request,) = spy.requests
    assert set(request["body"]) == {"auth_data", "payload"}
    assert ACCOUNT_KEY not in str(request)
    assert vast.fake.endpoint_key not in str(request)


def test_instance_prices_are_looked_up_once_and_kept(vast):
    engine = VastaiEngine()

    first = engine.price_per_hour("31415")
    second = engine.price_per_hour("31415")

    assert first == second == Decimal(INSTANCE_PRICE)
    assert vast.fake.console_calls.count("/api/v0/instances/31415/") == 1


def test_an_instance_id_that_is_not_a_number_is_priced_at_the_fallback_without_asking_the_console(vast):
    engine = VastaiEngine()

    assert engine.price_per_hour("../../endptjobs/1") is None
    assert vast.fake.console_calls == []


def test_a_run_that_waited_its_window_hands_the_wait_on_keeping_its_place_in_the_queue(vast, owner, settings):
    settings.TTS_COLD_START_POLL_WINDOW = 0.1
    vast.fake.waiting_polls = 10_000
    job = intake.job_create(account=owner.account, text="Is anybody out there?", engine="vastai")

    resume = dispatch.job_dispatch_next_batch(job_id=job.pk)
    dispatch.job_dispatch_next_batch(job_id=job.pk, wait_ticket=resume.ticket)

    assert resume.ticket == vast.fake.route_calls[-1]["request_idx"] > 0
    job.refresh_from_db()
    assert job.status == "queued"
    assert "starting" in job.message
    segment = job.segments.get()
    assert (segment.status, segment.attempts) == ("queued", 0)  # waiting spends no attempt


def test_a_job_waiting_past_the_cold_start_deadline_ends_in_error_and_retry_runs_it(vast, owner, settings):
    settings.TTS_COLD_START_POLL_WINDOW = 0.1
    settings.TTS_COLD_START_TIMEOUT = 3
    vast.fake.waiting_polls = 10_000
    job = intake.job_create(account=owner.account, text="Is anybody out there?", engine="vastai")

    resume = dispatch.job_dispatch_next_batch(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "queued"
    assert "starting" in job.message
    time.sleep(3.1)
    assert dispatch.job_dispatch_next_batch(job_id=job.pk, wait_ticket=resume.ticket) is None

    job.refresh_from_db()
    assert job.status == "error"
    assert job.error.startswith("No GPU worker became ready within 3 seconds")
    vast.fake.waiting_polls = 0
    lifecycle.job_retry(job=job)
    synthesize_job(job.pk)
    job.refresh_from_db()
    assert job.status == "complete"


def test_a_plain_http_worker_off_loopback_is_never_sent_the_request(vast, route_to):
    route_to(PLAIN_HTTP_WORKER)

    with pytest.raises(EngineError, match="worker without TLS; it was not sent") as raised:
        VastaiEngine().synthesize(BATCH)

    assert not isinstance(raised.value, TransientEngineError)  # no try was made, so none timed out
    assert raised.value.call.worker_url == PLAIN_HTTP_WORKER


def failing_worker(vast, route_to, settings, failure: str) -> str:
    """Make the next worker request fail as ``failure`` says; the worker URL it goes to."""
    settings.VASTAI_MAX_RETRIES = 0
    settings.TTS_SEGMENT_MAX_ATTEMPTS = 1
    if failure == "unreachable":
        route_to(f"http://127.0.0.1:{free_port()}")
    elif failure == "plain-http":
        route_to(PLAIN_HTTP_WORKER)
    elif failure == "forged-signature":
        vast.fake.forged_replies = 1
    return vast.fake.worker_url


@pytest.mark.parametrize("failure", ["unreachable", "plain-http", "forged-signature"])
def test_no_error_a_client_sees_names_the_workers_address(vast, route_to, owner, settings, failure):
    worker_url = failing_worker(vast, route_to, settings, failure)
    job = intake.job_create(account=owner.account, text="Where are you?", engine="vastai")

    for _ in range(3):  # a run that fails the segment, then one that closes the job
        if dispatch.job_dispatch_next_batch(job_id=job.pk) is None:
            break

    answer = owner.get(f"{JOBS}/{job.public_id}").json()
    assert answer["status"] == "error"
    assert answer["segments"][0]["error"]
    assert urlsplit(worker_url).hostname not in str(answer)
    assert WorkerRequest.objects.get(job_public_id=job.public_id).worker_url == worker_url  # for operators
