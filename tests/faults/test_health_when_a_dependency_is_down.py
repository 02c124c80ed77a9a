"""Health answers 503 when jobs can be neither stored nor run, through the real web server: the
database or the message broker unreachable; 200 again once it is back."""

import httpx

from gpu_worker.testing.processes import free_port
from tests.support.stack import PrivateRedis, service_env, web_server


def health(base_url: str) -> httpx.Response:
    return httpx.get(f"{base_url}/api/tts/v1/tts/health", timeout=30)


def test_health_is_503_with_the_database_unreachable(db, tmp_path):
    unreachable = f"sqlite:///{tmp_path}/no-such-directory/db.sqlite3"
    env = service_env(DATABASE_URL=unreachable, GPU_WORKER_URL="http://127.0.0.1:9")

    with web_server(env, tmp_path / "web.out", healthy=False) as base_url:
        answer = health(base_url)

    assert answer.status_code == 503
    assert answer.json()["status"] == "unavailable"
    assert answer.json()["database"] == "unavailable"


def test_health_is_503_while_the_broker_is_down_and_200_once_it_is_back(db, tmp_path):
    redis = PrivateRedis(tmp_path).start()
    env = service_env(
        CELERY_BROKER_URL=f"{redis.url}/0", CACHE_URL=f"{redis.url}/1", GPU_WORKER_URL="http://127.0.0.1:9"
    )
    try:
        with web_server(env, tmp_path / "web.out") as base_url:
            redis.stop()
            down = health(base_url)
            redis.start()
            back = health(base_url)
    finally:
        redis.stop()

    assert down.status_code == 503
    assert down.json()["database"] == "ok"
    assert down.json()["broker"] == "unavailable"
    assert back.status_code == 200
    assert back.json()["broker"] == "ok"


def test_health_is_503_with_a_broker_that_never_answered(db, tmp_path):
    env = service_env(CELERY_BROKER_URL=f"redis://127.0.0.1:{free_port()}/0", GPU_WORKER_URL="http://127.0.0.1:9")

    with web_server(env, tmp_path / "web.out", healthy=False) as base_url:
        answer = health(base_url)

    assert answer.status_code == 503
    assert answer.json()["broker"] == "unavailable"
