"""A Redis restart while jobs wait for a cold GPU worker: the Celery worker keeps running and every
job completes, the one whose task message the restart lost too (beat sends it again)."""

import pytest

from accounts.services import account_get_or_create, api_key_create
from gpu_worker.testing.processes import wait_until
from tests.support.stack import PrivateRedis, api_client, celery_worker, service_env, web_server
from tests.support.worker_tap import WorkerTap

LOADING = {"status": "error", "error": "the models are still loading", "code": "loading"}


@pytest.fixture
def cold_worker(model_server):
    tap = WorkerTap(model_server.url).start()
    tap.fail_next(100_000, 503, LOADING)
    yield tap
    tap.stop()


def test_a_redis_restart_stops_no_worker_and_loses_no_job(transactional_db, cold_worker, tmp_path):
    redis = PrivateRedis(tmp_path).start()
    _, key = api_key_create(account=account_get_or_create(name="reader"))
    env = service_env(
        CELERY_BROKER_URL=f"{redis.url}/0",
        CACHE_URL=f"{redis.url}/1",
        GPU_WORKER_URL=cold_worker.url,
        TTS_STALL_SECONDS="3",
    )
    try:
        with (
            celery_worker(env, tmp_path / "celery.out", beat=True) as worker,
            web_server(env, tmp_path / "web.out") as base_url,
            api_client(base_url, key) as api,
        ):
            jobs = [api.post("/jobs", json={"text": f"Chapter {n} begins."}).json()["job_id"] for n in range(3)]
            statuses = lambda: [api.get(f"/jobs/{job}").json()["status"] for job in jobs]  # noqa: E731
            wait_until(lambda: statuses().count("queued") >= 2, 60, what="jobs waiting for the worker")

            redis.stop()
            redis.start()
            cold_worker.reset()  # the GPU worker is ready now

            wait_until(lambda: statuses() == ["complete"] * 3, 120, interval=0.5, what="every job to complete")
            assert worker.poll() is None, (tmp_path / "celery.out").read_text()[-3000:]
    finally:
        redis.stop()
