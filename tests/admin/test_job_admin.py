import numpy as np
import pytest
from django.core.files.base import ContentFile

from engines.models import WorkerRequest
from gpu_worker.testing.audio import encoded, voiced_signal
from synthesis import audio, dispatch, intake
from synthesis.models import Segment
from voices.services import voice_create
from voices.validation import validate_reference

pytestmark = pytest.mark.django_db

NARRATION = encoded(voiced_signal(6, 16000), 16000)


@pytest.fixture
def finished_job(owner, django_capture_on_commit_callbacks):
    job = intake.job_create(account=owner.account, text="A line for the admin to hear.", engine="local")
    wav = audio.encode((0.3 * np.sin(np.arange(24000) / 7)).astype(np.float32), 24000)
    for segment in job.segments.all():
        segment.audio.save("00000.wav", ContentFile(wav), save=False)
        segment.status, segment.duration = Segment.Status.READY, 1.0
        segment.save()
    dispatch.job_close_if_done(job_id=job.pk)
    job.refresh_from_db()
    return job


def test_the_job_list_filters_by_status_and_engine(admin_client, finished_job):
    response = admin_client.get("/admin/synthesis/synthesisjob/?status__exact=complete&engine__exact=local")

    assert response.status_code == 200
    assert finished_job.public_id in response.content.decode()


def test_the_job_page_has_audio_players_for_the_job_and_its_segments(admin_client, finished_job):
    response = admin_client.get(f"/admin/synthesis/synthesisjob/{finished_job.pk}/change/")

    page = response.content.decode()
    assert response.status_code == 200
    assert f'src="/admin/synthesis/synthesisjob/{finished_job.pk}/audio/"' in page
    segment = finished_job.segments.get()
    assert f'src="/admin/synthesis/synthesisjob/segment/{segment.pk}/audio/"' in page


def test_staff_can_listen_and_others_cannot(admin_client, client, finished_job):
    url = f"/admin/synthesis/synthesisjob/{finished_job.pk}/audio/"

    assert admin_client.get(url)["Content-Type"] == "audio/wav"
    assert client.get(url).status_code == 302  # to the login page


def test_accounts_and_keys_are_in_the_admin(admin_client, owner):
    assert "owner" in admin_client.get("/admin/accounts/account/").content.decode()
    assert admin_client.get("/admin/accounts/apikey/").status_code == 200


def test_worker_requests_are_listed_read_only_and_linked_from_their_job(admin_client, finished_job):
    request = WorkerRequest.objects.create(
        job_public_id=finished_job.public_id, engine="vastai", instance_id="4242", http_status=200, latency=1.5
    )

    listing = admin_client.get(f"/admin/engines/workerrequest/?job_public_id={finished_job.public_id}")
    change = admin_client.get(f"/admin/engines/workerrequest/{request.pk}/change/")
    job_page = admin_client.get(f"/admin/synthesis/synthesisjob/{finished_job.pk}/change/").content.decode()

    assert "4242" in listing.content.decode()
    assert change.status_code == 200
    assert "Save" not in change.content.decode()
    assert f"/admin/engines/workerrequest/?job_public_id={finished_job.public_id}" in job_page
    assert "1 request(s)" in job_page


def test_the_voice_page_has_the_reference_player_and_prompt_state(admin_client, owner):
    voice = voice_create(account=owner.account, name="Narrator", reference=validate_reference(NARRATION))

    page = admin_client.get(f"/admin/voices/voice/{voice.pk}/change/").content.decode()
    reference = admin_client.get(f"/admin/voices/voice/{voice.pk}/reference/")

    assert f'src="/admin/voices/voice/{voice.pk}/reference/"' in page
    assert "Pending" in page
    assert "owner" in page
    assert reference["Content-Type"] == "audio/wav"


def test_the_preview_action_synthesizes_a_sample_sentence_with_the_voice(admin_client, owner, settings):
    voice = voice_create(account=owner.account, name="Narrator", reference=validate_reference(NARRATION))

    response = admin_client.post(
        "/admin/voices/voice/", {"action": "preview", "_selected_action": [voice.pk]}, follow=True
    )

    job = voice.jobs.get()
    assert job.account == owner.account
    assert job.engine == settings.TTS_DEFAULT_ENGINE
    assert f"/admin/synthesis/synthesisjob/{job.pk}/change/" in response.content.decode()
