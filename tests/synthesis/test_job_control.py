"""Cancel, delete and retry, end to end."""

import time
from pathlib import Path

from django.conf import settings

from gpu_worker.testing.processes import wait_until
from synthesis.models import Segment, SynthesisJob
from tests.support.service import JOBS, wait_for_job

CHAPTER = " ".join(f"Sentence number {n} walks slowly through the quiet and rainy town." for n in range(60))


def test_cancel_mid_job_sends_no_further_segments(live_worker, owner):
    job_id = owner.post(JOBS, {"text": CHAPTER}, format="json").json()["job_id"]
    wait_until(lambda: owner.get(f"{JOBS}/{job_id}").json()["progress"]["segments_ready"] >= 1, 60, what="a segment")

    response = owner.post(f"{JOBS}/{job_id}/cancel")
    requests_at_cancel = len(live_worker.synthesis_requests())
    time.sleep(3)

    assert response.status_code == 200
    assert response.json()["status"] == "canceled"
    # The batch already on the GPU may finish; nothing is sent after it.
    assert len(live_worker.synthesis_requests()) <= requests_at_cancel + 1
    job = owner.get(f"{JOBS}/{job_id}").json()
    assert job["status"] == "canceled"
    statuses = {segment["status"] for segment in job["segments"]}
    assert statuses <= {"ready", "canceled", "processing"}
    assert "canceled" in statuses


def test_a_canceled_job_can_be_retried_to_completion(live_worker, owner):
    job_id = owner.post(JOBS, {"text": "One short line. And another short line to read."}, format="json").json()[
        "job_id"
    ]
    owner.post(f"{JOBS}/{job_id}/cancel")
    wait_for_job(owner, job_id)

    response = owner.post(f"{JOBS}/{job_id}/retry")

    assert response.status_code == 202
    assert wait_for_job(owner, job_id)["status"] == "complete"


def test_delete_removes_the_job_and_its_files(live_worker, owner):
    job_id = owner.post(JOBS, {"text": "Delete me when I am done."}, format="json").json()["job_id"]
    wait_for_job(owner, job_id)
    folder = Path(settings.MEDIA_ROOT) / "jobs" / job_id
    assert folder.exists()

    response = owner.delete(f"{JOBS}/{job_id}")

    assert response.status_code == 200
    assert owner.get(f"{JOBS}/{job_id}").status_code == 404
    assert owner.get(f"{JOBS}/{job_id}/audio.wav").status_code == 404
    assert not folder.exists()
    assert not SynthesisJob.objects.filter(public_id=job_id).exists()


def test_a_segment_the_worker_refuses_ends_the_job_in_error_naming_it_and_retry_finishes_it(live_worker, owner):
    live_worker.fail_next(1, 400, {"status": "error", "error": "bad things", "code": "invalid_text"})
    job_id = owner.post(JOBS, {"text": "First sentence is here. Second sentence follows it."}, format="json").json()[
        "job_id"
    ]

    job = wait_for_job(owner, job_id)

    assert job["status"] == "error"
    assert job["error"].startswith("Segment 0 failed")
    assert "bad things" in job["error"]
    assert owner.get(f"{JOBS}/{job_id}/audio.wav").status_code == 202

    assert owner.post(f"{JOBS}/{job_id}/retry").status_code == 202
    assert wait_for_job(owner, job_id)["status"] == "complete"


def test_worker_server_errors_are_retried_until_the_segment_succeeds(live_worker, owner):
    live_worker.fail_next(2, 500, {"status": "error", "error": "boom", "code": "internal"})

    job_id = owner.post(JOBS, {"text": "Try, try again until it works."}, format="json").json()["job_id"]

    assert wait_for_job(owner, job_id)["status"] == "complete"
    assert live_worker.sent_indexes().count(0) == 3
    assert Segment.objects.get(job__public_id=job_id, index=0).attempts == 3


def test_a_segment_that_keeps_failing_ends_the_job_after_its_attempts(live_worker, owner, settings):
    live_worker.fail_next(settings.TTS_SEGMENT_MAX_ATTEMPTS, 503, {"status": "error", "error": "down", "code": "x"})

    job_id = owner.post(JOBS, {"text": "This will not work today."}, format="json").json()["job_id"]

    job = wait_for_job(owner, job_id)
    assert job["status"] == "error"
    assert f"after {settings.TTS_SEGMENT_MAX_ATTEMPTS} attempt(s)" in job["error"]
    assert live_worker.sent_indexes().count(0) == settings.TTS_SEGMENT_MAX_ATTEMPTS


def test_while_the_worker_loads_the_job_is_queued_with_a_message_then_completes(live_worker, owner):
    live_worker.fail_next(3, 503, {"status": "error", "error": "loading", "code": "loading"})

    job_id = owner.post(JOBS, {"text": "Wait for the GPU to wake up."}, format="json").json()["job_id"]

    queued = wait_for_job(owner, job_id, statuses=("queued",), timeout=30)
    assert "GPU worker" in queued["message"]
    job = wait_for_job(owner, job_id)
    assert job["status"] == "complete"
    assert job["message"] is None
    assert Segment.objects.get(job__public_id=job_id, index=0).attempts == 1
