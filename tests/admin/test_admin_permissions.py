"""The admin asks for model permissions, not only staff status. Staff who may only view look at
accounts, keys, jobs and voices, but neither listen to customers' audio or voice references nor
change anything: revoking a key, cancelling, retrying or previewing need the change permission,
listening too. The ledger and its CSV are for those who may view the ledger. A refusal is a 403."""

import numpy as np
import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.base import ContentFile
from django.test import Client

from accounts.models import ApiKey
from billing.models import UsageRecord
from gpu_worker.testing.audio import encoded, voiced_signal
from synthesis import audio, dispatch, intake
from synthesis.models import Segment, SynthesisJob
from synthesis.states import Status
from tests.support.ledger import work_line
from voices.services import voice_create
from voices.validation import validate_reference

pytestmark = pytest.mark.django_db

VIEW_CUSTOMERS = [
    "accounts.view_account",
    "accounts.view_apikey",
    "synthesis.view_synthesisjob",
    "synthesis.view_segment",
    "voices.view_voice",
    "voices.view_voiceprompt",
]
CHANGE_CUSTOMERS = [
    *VIEW_CUSTOMERS,
    "accounts.change_apikey",
    "synthesis.change_synthesisjob",
    "voices.change_voice",
]
NARRATION = encoded(voiced_signal(6, 16000), 16000)


def staff_client(username: str, permissions: list[str]) -> Client:
    """A logged-in staff user with exactly these permissions, not a superuser."""
    user = User.objects.create_user(username=username, is_staff=True)
    for permission in permissions:
        app_label, codename = permission.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def viewer():
    return staff_client("support", VIEW_CUSTOMERS)


@pytest.fixture
def operator():
    return staff_client("operator", CHANGE_CUSTOMERS)


@pytest.fixture
def finished_job(owner):
    job = intake.job_create(account=owner.account, text="A line for the admin to hear.", engine="local")
    wav = audio.encode((0.3 * np.sin(np.arange(24000) / 7)).astype(np.float32), 24000)
    for segment in job.segments.all():
        segment.audio.save("00000.wav", ContentFile(wav), save=False)
        segment.status, segment.duration = Segment.Status.READY, 1.0
        segment.save()
    dispatch.job_close_if_done(job_id=job.pk)
    job.refresh_from_db()
    return job


@pytest.fixture
def running_job(owner):
    return intake.job_create(account=owner.account, text="A chapter still being read.", engine="local")


@pytest.fixture
def voice(owner):
    return voice_create(account=owner.account, name="Narrator", reference=validate_reference(NARRATION))


def run_action(client: Client, changelist: str, action: str, pk: int):
    return client.post(changelist, {"action": action, "_selected_action": [pk]})


def offered_actions(client: Client, changelist: str) -> list[str]:
    action_form = client.get(changelist).context["action_form"]
    return [] if action_form is None else [name for name, _ in action_form.fields["action"].choices if name]


def test_staff_who_may_view_see_the_lists_and_pages_of_accounts_keys_jobs_and_voices(viewer, finished_job, voice):
    for changelist in [
        "/admin/accounts/account/",
        "/admin/accounts/apikey/",
        "/admin/synthesis/synthesisjob/",
        "/admin/voices/voice/",
    ]:
        assert viewer.get(changelist).status_code == 200, changelist
    job_page = viewer.get(f"/admin/synthesis/synthesisjob/{finished_job.pk}/change/")
    voice_page = viewer.get(f"/admin/voices/voice/{voice.pk}/change/")

    assert job_page.status_code == voice_page.status_code == 200
    assert finished_job.public_id in job_page.content.decode()
    assert "<audio" not in job_page.content.decode()  # no player for audio they may not hear
    assert "<audio" not in voice_page.content.decode()


def test_staff_who_may_only_view_jobs_cannot_download_their_audio(viewer, operator, finished_job):
    job_audio = f"/admin/synthesis/synthesisjob/{finished_job.pk}/audio/"
    segment_audio = f"/admin/synthesis/synthesisjob/segment/{finished_job.segments.get().pk}/audio/"
    job_page = operator.get(f"/admin/synthesis/synthesisjob/{finished_job.pk}/change/").content.decode()

    assert viewer.get(job_audio).status_code == 403
    assert viewer.get(segment_audio).status_code == 403
    assert operator.get(job_audio)["Content-Type"] == "audio/wav"
    assert operator.get(segment_audio)["Content-Type"] == "audio/wav"
    assert f'src="{job_audio}"' in job_page
    assert f'src="{segment_audio}"' in job_page


def test_a_refusal_does_not_say_whether_the_audio_exists(viewer):
    assert viewer.get("/admin/synthesis/synthesisjob/999999/audio/").status_code == 403
    assert viewer.get("/admin/voices/voice/999999/reference/").status_code == 403


def test_staff_who_may_only_view_voices_cannot_download_a_reference_recording(viewer, operator, voice):
    reference = f"/admin/voices/voice/{voice.pk}/reference/"

    assert viewer.get(reference).status_code == 403
    assert operator.get(reference)["Content-Type"] == "audio/wav"


def test_the_ledger_and_its_csv_need_the_permission_to_view_the_ledger(viewer, owner):
    work_line(owner.account, "0.300000", audio_seconds="1800")
    ledger_viewer = staff_client("accountant", ["billing.view_spend"])

    assert viewer.get("/admin/billing/spend/").status_code == 403
    assert viewer.get("/admin/billing/spend/export.csv").status_code == 403
    assert ledger_viewer.get("/admin/billing/spend/").status_code == 200
    export = ledger_viewer.get("/admin/billing/spend/export.csv")
    assert export["Content-Type"] == "text/csv"
    assert len(b"".join(export.streaming_content).decode().splitlines()) == 1 + UsageRecord.objects.count()


def test_staff_who_may_only_view_keys_cannot_revoke_one(viewer, operator, owner):
    api_key = ApiKey.objects.get(account=owner.account)

    assert offered_actions(viewer, "/admin/accounts/apikey/") == []
    run_action(viewer, "/admin/accounts/apikey/", "revoke", api_key.pk)
    api_key.refresh_from_db()
    assert api_key.revoked_at is None
    assert owner.get("/api/tts/v1/tts/voices").status_code == 200

    assert offered_actions(operator, "/admin/accounts/apikey/") == ["revoke"]
    run_action(operator, "/admin/accounts/apikey/", "revoke", api_key.pk)
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None


def test_staff_who_may_only_view_jobs_cannot_cancel_or_retry_one(viewer, operator, running_job):
    changelist = "/admin/synthesis/synthesisjob/"

    assert offered_actions(viewer, changelist) == []
    run_action(viewer, changelist, "cancel", running_job.pk)
    assert SynthesisJob.objects.get(pk=running_job.pk).status == Status.PROCESSING

    assert set(offered_actions(operator, changelist)) == {"cancel", "retry"}
    run_action(operator, changelist, "cancel", running_job.pk)
    assert SynthesisJob.objects.get(pk=running_job.pk).status == Status.CANCELED

    run_action(viewer, changelist, "retry", running_job.pk)
    assert SynthesisJob.objects.get(pk=running_job.pk).status == Status.CANCELED
    run_action(operator, changelist, "retry", running_job.pk)
    assert SynthesisJob.objects.get(pk=running_job.pk).status == Status.PROCESSING


def test_staff_who_may_only_view_voices_cannot_preview_one_on_its_owners_account(viewer, operator, voice):
    assert offered_actions(viewer, "/admin/voices/voice/") == []
    run_action(viewer, "/admin/voices/voice/", "preview", voice.pk)
    assert not voice.jobs.exists()

    assert offered_actions(operator, "/admin/voices/voice/") == ["preview"]
    run_action(operator, "/admin/voices/voice/", "preview", voice.pk)
    assert voice.jobs.get().text.startswith("This is how I sound")
