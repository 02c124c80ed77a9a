import pytest

from synthesis import intake, lifecycle
from tests.support.service import JOBS

pytestmark = pytest.mark.django_db


@pytest.fixture
def owners_job(owner, django_capture_on_commit_callbacks):
    return intake.job_create(account=owner.account, text="Private words.", engine="local")


@pytest.mark.parametrize("suffix", ["", "/audio.wav", "/audio.mp3", "/segments/0"])
def test_another_account_gets_404_for_the_job_and_its_audio(owners_job, stranger, suffix):
    response = stranger.get(f"{JOBS}/{owners_job.public_id}{suffix}")

    assert response.status_code == 404
    assert response.json() == {"error": "Job not found", "code": "not_found"}


@pytest.mark.parametrize("action", ["cancel", "retry"])
def test_another_account_cannot_cancel_or_retry_the_job(owners_job, stranger, action):
    assert stranger.post(f"{JOBS}/{owners_job.public_id}/{action}").status_code == 404


def test_another_account_cannot_delete_the_job(owners_job, stranger, owner):
    assert stranger.delete(f"{JOBS}/{owners_job.public_id}").status_code == 404
    assert owner.get(f"{JOBS}/{owners_job.public_id}").status_code == 200


def test_an_unknown_job_is_a_404(owner):
    assert owner.get(f"{JOBS}/local_1_nothing").json() == {"error": "Job not found", "code": "not_found"}


def test_an_expired_job_is_a_404_and_cleanup_removes_it(owners_job, owner, settings):
    settings.TTS_JOB_RETENTION_HOURS = 0

    assert owner.get(f"{JOBS}/{owners_job.public_id}").status_code == 404
    assert lifecycle.jobs_delete_expired() == 1
