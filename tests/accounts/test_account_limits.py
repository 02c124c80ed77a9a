import time

import pytest

from accounts.models import ApiKey
from synthesis import intake
from tests.support.service import JOBS

pytestmark = pytest.mark.django_db


def test_an_inactive_accounts_key_gets_403(owner):
    owner.account.is_active = False
    owner.account.save()

    response = owner.get("/api/tts/v1/tts/voices")

    assert response.status_code == 403
    assert response.json() == {"error": "This account is inactive", "code": "permission_denied"}


def test_using_a_key_records_when_it_was_last_used(owner):
    owner.get("/api/tts/v1/tts/voices")

    assert ApiKey.objects.get(account=owner.account).last_used_at is not None


def test_creating_jobs_too_fast_gets_429_with_retry_after(owner, settings, django_capture_on_commit_callbacks):
    settings.TTS_JOB_CREATE_RATE = "3/min"

    answers = [owner.post(JOBS, {"text": f"Job {n}."}, format="json") for n in range(4)]

    assert [answer.status_code for answer in answers] == [202, 202, 202, 429]
    assert int(answers[-1]["Retry-After"]) > 0
    assert answers[-1].json()["code"] == "throttled"


def test_uploading_voices_too_fast_gets_429(owner, settings):
    settings.TTS_VOICE_UPLOAD_RATE = "1/min"

    owner.post("/api/tts/v1/tts/voices", {"name": "x"}, format="json")
    response = owner.post("/api/tts/v1/tts/voices", {"name": "y"}, format="json")

    assert response.status_code == 429


def test_polling_a_job_twice_a_second_is_never_throttled(owner, settings, django_capture_on_commit_callbacks):
    settings.TTS_JOB_CREATE_RATE = "1/min"
    job_id = owner.post(JOBS, {"text": "Poll me."}, format="json").json()["job_id"]

    statuses = []
    for _ in range(20):
        statuses.append(owner.get(f"{JOBS}/{job_id}").status_code)
        time.sleep(0.05)

    assert set(statuses) == {200}


def test_the_active_job_cap_refuses_another_job(owner, django_capture_on_commit_callbacks):
    owner.account.max_active_jobs = 2
    owner.account.save()
    for n in range(2):
        intake.job_create(account=owner.account, text=f"Running {n}.", engine="local")

    response = owner.post(JOBS, {"text": "One too many."}, format="json")

    assert response.status_code == 429
    assert response.json()["code"] == "too_many_active_jobs"
