"""An inline clone (`voice: "clone"` with `voice_data`) is stored as an unlisted voice that lives as
long as the jobs made with it: it cannot be listed or deleted through the API, so nothing else
would ever remove it."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from gpu_worker.testing.audio import reference_base64
from synthesis import lifecycle
from synthesis.models import SynthesisJob
from tests.support.service import JOBS
from voices.models import Voice

pytestmark = pytest.mark.django_db


def inline_clone_job(client, reference: str, ref_text: str = "") -> str:
    body = {"text": "Hello there.", "voice": "clone", "voice_data": reference, "ref_text": ref_text}
    response = client.post(JOBS, body, format="json")
    assert response.status_code == 202, response.json()
    return response.json()["job_id"]


def test_deleting_a_job_deletes_its_inline_voice_and_its_recording(owner):
    job_id = inline_clone_job(owner, reference_base64())
    voice = Voice.objects.get(inline=True)
    recording = Path(voice.reference.path)
    assert recording.exists()

    assert owner.delete(f"{JOBS}/{job_id}").status_code == 200

    assert not Voice.objects.exists()
    assert not recording.exists()


def test_an_inline_voice_stays_while_another_job_still_uses_it(owner):
    reference = reference_base64()
    first, second = inline_clone_job(owner, reference), inline_clone_job(owner, reference)
    assert Voice.objects.count() == 1

    owner.delete(f"{JOBS}/{first}")

    assert Voice.objects.count() == 1
    owner.delete(f"{JOBS}/{second}")
    assert not Voice.objects.exists()


def test_a_stored_voice_is_kept_when_the_jobs_that_used_it_are_deleted(owner):
    upload = owner.post("/api/tts/v1/tts/voices", {"name": "Narrator", "audio_base64": reference_base64()}, "json")
    voice_id = upload.json()["id"]
    response = owner.post(JOBS, {"text": "Hello there.", "voice": voice_id}, format="json")

    owner.delete(f"{JOBS}/{response.json()['job_id']}")

    assert Voice.objects.filter(public_id=voice_id).exists()


def test_inline_voices_expire_with_their_jobs_and_none_is_left_behind(owner):
    inline_clone_job(owner, reference_base64(seconds=6))
    orphan = owner.post(JOBS, {"text": "Hi.", "voice": "clone", "voice_data": reference_base64(seconds=7)}, "json")
    SynthesisJob.objects.filter(public_id=orphan.json()["job_id"]).delete()  # left behind by an older version
    long_ago = timezone.now() - timedelta(days=30)
    SynthesisJob.objects.update(created_at=long_ago)
    Voice.objects.update(created_at=long_ago)

    lifecycle.jobs_delete_expired()

    assert not SynthesisJob.objects.exists()
    assert not Voice.objects.exists()


def test_a_recent_inline_voice_without_jobs_is_not_expired_early(owner):
    job_id = inline_clone_job(owner, reference_base64())
    SynthesisJob.objects.filter(public_id=job_id).delete()

    lifecycle.jobs_delete_expired()

    assert Voice.objects.filter(inline=True).exists()


def test_an_inline_clones_transcript_is_at_most_2000_characters(owner):
    body = {"text": "Hello.", "voice": "clone", "voice_data": reference_base64(), "ref_text": "word " * 401}

    response = owner.post(JOBS, body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "max_length"
    assert not Voice.objects.exists()
