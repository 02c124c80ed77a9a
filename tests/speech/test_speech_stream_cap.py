"""An account streams at most TTS_SPEECH_MAX_STREAMS speech calls at once: the next is a 429 in
OpenAI's `rate_limit_error` shape, made before any job, until one of its streams finishes. The
streams are counted from the database (its unfinished jobs that speech calls made), under the
lock the job's own admission takes."""

import threading
from concurrent.futures import ThreadPoolExecutor

import openai
import pytest
from django.db import connection

from accounts.services import api_key_create
from common.errors import LimitReached
from gpu_worker.testing.processes import wait_until
from speech.services import speech_job_create
from synthesis import lifecycle
from synthesis.models import SynthesisJob
from tests.support.service import JOBS, client_for
from tests.support.stack import service_env, web_server

SPEECH = "/v1/audio/speech"


def speech_call(client, text: str = "The gulls followed the boat all the way in."):
    return client.post(SPEECH, {"model": "tts-1", "voice": "alloy", "input": text}, format="json")


def streams_open(account, count: int) -> list[SynthesisJob]:
    """Speech calls of the account still streaming: their jobs, made as the endpoint makes them."""
    return [
        speech_job_create(account=account, text=f"Stream number {number}.", voice="serena", instruct="")
        for number in range(count)
    ]


@pytest.fixture
def cap_of_two(settings):
    settings.TTS_SPEECH_MAX_STREAMS = 2
    # Nothing makes audio in this process: an admitted call waits out this deadline, then is a 503.
    settings.TTS_SPEECH_FIRST_AUDIO_TIMEOUT = 1


def test_a_call_over_the_cap_is_a_rate_limit_error_and_makes_no_job(owner, cap_of_two):
    streams_open(owner.account, 2)

    answer = speech_call(owner)

    assert answer.status_code == 429
    assert answer.json()["error"] == {
        "message": "2 speech calls are still streaming; an account may stream 2 at once. Wait for one to finish.",
        "type": "rate_limit_error",
        "param": None,
        "code": "too_many_streams",
    }
    assert SynthesisJob.objects.count() == 2


def test_once_a_stream_finishes_the_next_call_is_admitted(owner, cap_of_two):
    first, _ = streams_open(owner.account, 2)
    lifecycle.job_cancel(job=first)  # as when its client goes away

    answer = speech_call(owner)

    assert answer.json()["error"]["code"] == "first_audio_timeout"  # admitted, and waited for audio
    assert SynthesisJob.objects.count() == 3


def test_jobs_made_through_the_jobs_api_are_not_streams(owner, cap_of_two):
    for number in range(2):
        made = owner.post(JOBS, {"text": f"Chapter {number}."}, format="json")
        assert made.status_code == 202

    answer = speech_call(owner)

    assert answer.json()["error"]["code"] == "first_audio_timeout"


def test_another_accounts_streams_do_not_count(owner, stranger, cap_of_two):
    streams_open(stranger.account, 2)

    answer = speech_call(owner)

    assert answer.json()["error"]["code"] == "first_audio_timeout"


def test_calls_made_together_at_the_cap_let_only_the_cap_through(transactional_db, settings):
    settings.TTS_SPEECH_MAX_STREAMS = 2
    account = client_for("together").account
    start = threading.Barrier(8)

    def call(number: int) -> str:
        start.wait()
        try:
            speech_job_create(account=account, text=f"Call {number}.", voice="serena", instruct="")
        except LimitReached as refused:
            return refused.code
        finally:
            connection.close()
        return "admitted"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(call, range(8)))

    assert sorted(outcomes) == ["admitted"] * 2 + ["too_many_streams"] * 6
    assert SynthesisJob.objects.filter(account=account).count() == 2


@pytest.fixture(scope="module")
def service_url(django_db_setup, django_db_blocker, worker_tap, celery_worker_process, tmp_path_factory):
    """The web server with a cap of one stream per account."""
    with django_db_blocker.unblock():
        env = service_env(GPU_WORKER_URL=worker_tap.url, TTS_SPEECH_MAX_STREAMS="1")
    with web_server(env, tmp_path_factory.mktemp("web") / "web.out") as base_url:
        yield base_url


def test_a_second_stream_is_refused_while_the_first_plays_and_streams_once_it_is_done(service_url, live_worker, owner):
    _, key = api_key_create(account=owner.account)
    client = openai.OpenAI(api_key=key, base_url=f"{service_url}/v1", max_retries=0, timeout=120)
    live_worker.hang_next(1, 4)  # the first call's audio comes slowly
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(
            client.audio.speech.create, model="tts-1", voice="echo", input="The harbour was quiet at dawn."
        )
        wait_until(lambda: SynthesisJob.objects.exists(), 30, what="the first call's job")

        with pytest.raises(openai.RateLimitError) as refused:
            client.audio.speech.create(model="tts-1", voice="echo", input="The nets were out to dry.")

        assert len(first.result().content) > 0
    assert refused.value.body["type"] == "rate_limit_error"
    assert refused.value.body["code"] == "too_many_streams"
    wait_until(lambda: SynthesisJob.objects.get().status == "complete", 30, what="the first job to finish")

    again = client.audio.speech.create(model="tts-1", voice="echo", input="The nets were out to dry.")

    assert len(again.content) > 0
    assert SynthesisJob.objects.count() == 2
