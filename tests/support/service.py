"""Helpers for tests of the jobs service: actors, polling, and the Celery worker process."""

import time

from django.db import connection
from rest_framework.test import APIClient

from accounts.services import account_get_or_create, api_key_create

JOBS = "/api/tts/v1/tts/jobs"


def client_for(account_name: str) -> APIClient:
    account = account_get_or_create(name=account_name)
    _, key = api_key_create(account=account, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    client.account = account
    return client


def wait_for_job(client: APIClient, job_id: str, statuses=("complete", "error", "canceled"), timeout=180) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"{JOBS}/{job_id}").json()
        if job["status"] in statuses:
            return job
        time.sleep(0.1)
    raise TimeoutError(f"job {job_id} still {job['status']} after {timeout}s: {job}")


def worker_database_url() -> str:
    """The test database as a URL, for a worker process to use the same one."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def uses_postgres() -> bool:
    return connection.vendor == "postgresql"
