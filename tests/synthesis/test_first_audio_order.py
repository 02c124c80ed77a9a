"""A job's first audio comes first: its first segment goes to the GPU alone and marked, and a
chapter posted as several jobs (LibRead's chunks) has their first segments reach the GPU in the
order they were posted, before any job's later batches."""

import pytest

from gpu_worker.testing.processes import wait_until
from synthesis import dispatch, intake
from tests.support.service import JOBS, wait_for_job

CONCURRENCY = 2  # the test Celery worker's processes: two runs go to the GPU at once


def chunk(number: int) -> str:
    return " ".join(f"Chunk {number} says its sentence number {n} to the reader." for n in range(12))


def test_first_segments_go_to_the_gpu_in_posting_order_before_any_bulk(live_worker, owner):
    live_worker.hang_next(2, seconds=1.5)  # the first two runs hold the GPU while the rest are posted
    texts = [chunk(number) for number in range(5)]
    jobs = [owner.post(JOBS, {"text": text}, format="json").json()["job_id"] for text in texts]
    wait_until(lambda: len(live_worker.synthesis_requests()) >= len(jobs), 60, what="every first segment")
    for job in jobs:
        wait_for_job(owner, job)

    requests = live_worker.synthesis_requests()
    first_requests = requests[: len(jobs)]
    assert all([segment["index"] for segment in request["body"]["segments"]] == [0] for request in first_requests)
    order = [next(n for n, text in enumerate(texts) if text.startswith(request["body"]["segments"][0]["text"]))
             for request in first_requests]  # fmt: skip
    assert all(abs(order.index(position) - position) < CONCURRENCY for position in range(len(jobs))), order


def test_a_job_posted_behind_other_jobs_bulk_reaches_the_gpu_before_it(live_worker, owner, settings):
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("the filesystem broker has no priorities: it serves runs first in, first out")
    live_worker.hang_next(1000, seconds=0.7)  # a slow GPU: every job's later batches pile up
    long_jobs = [owner.post(JOBS, {"text": chunk(n) * 3}, format="json").json()["job_id"] for n in range(6)]
    for job in long_jobs:
        wait_until(lambda job=job: owner.get(f"{JOBS}/{job}").json()["progress"]["segments_ready"] >= 1, 60, what="it")
    sent_before = len(live_worker.synthesis_requests())

    latecomer = owner.post(JOBS, {"text": "A reader who just pressed play."}, format="json").json()["job_id"]
    wait_for_job(owner, latecomer)

    later = [request["body"]["segments"][0]["text"] for request in live_worker.synthesis_requests()[sent_before:]]
    assert later.index("A reader who just pressed play.") < CONCURRENCY, later


def test_a_jobs_first_segment_goes_alone_and_marked_for_the_worker_to_decode_first(gpu_worker, owner):
    job = intake.job_create(account=owner.account, text=chunk(0) + "\n\n" + chunk(1), engine="local")

    dispatch.job_dispatch_next_batch(job_id=job.pk)
    dispatch.job_dispatch_next_batch(job_id=job.pk)

    first, second = (request["body"] for request in gpu_worker.synthesis_requests())
    assert ([segment["index"] for segment in first["segments"]], first.get("first_audio")) == ([0], True)
    assert 0 not in [segment["index"] for segment in second["segments"]]
    assert "first_audio" not in second
