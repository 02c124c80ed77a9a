"""Stored cloned voices: upload, list, prompt, use in jobs, and inline clones."""

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gpu_worker.testing.audio import encoded, reference_base64, voiced_signal
from gpu_worker.testing.prompts import retagged
from synthesis import intake
from synthesis.models import SynthesisJob
from synthesis.tasks import synthesize_job
from voices.models import Voice, VoicePrompt
from voices.tasks import build_voice_prompt

VOICES = "/api/tts/v1/tts/voices"
REFERENCE = encoded(voiced_signal(8, 22050), 22050)


OTHER_MODEL = "Qwen/Qwen3-TTS-12Hz-0.6B-Base"


def as_if_built_by(prompt: VoicePrompt, model: str) -> bytes:
    """The prompt's bytes, tagged as a worker running another model would tag them."""
    return retagged(bytes(prompt.data), model)


def upload_json(client, **extra) -> dict:
    body = {
        "name": "Narrator",
        "audio_base64": base64.b64encode(REFERENCE).decode(),
        "ref_text": "Hello there.",
        **extra,
    }
    response = client.post(VOICES, body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_a_json_upload_answers_with_the_voice_id(owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        voice = upload_json(owner, gender="Female", locale="en-GB", language="English")

    assert voice["id"].startswith("voice_")
    assert (voice["name"], voice["gender"], voice["locale"], voice["language"]) == (
        "Narrator",
        "Female",
        "en-GB",
        "english",
    )
    assert voice["duration"] == pytest.approx(8.0, abs=0.01)
    assert voice["sample_rate"] == 22050
    assert voice["prompt_status"] == "pending"
    assert len(callbacks) == 1  # the prompt is built after commit


def test_a_multipart_upload_works_the_same(owner):
    audio = SimpleUploadedFile("me.flac", encoded(voiced_signal(6, 44100), 44100, file_format="FLAC"), "audio/flac")

    response = owner.post(VOICES, {"name": "Me", "audio": audio, "ref_text": "Words."}, format="multipart")

    assert response.status_code == 201
    assert Voice.objects.get(public_id=response.json()["id"]).sample_rate == 44100


def test_the_list_has_presets_and_the_accounts_voices_in_librearead_shape(owner):
    voice = upload_json(owner)

    voices = owner.get(VOICES).json()["voices"]

    assert voices[0]["id"] == "default"
    mine = voices[-1]
    assert mine["id"] == voice["id"]
    assert {"short_name", "name", "gender", "locale"} <= set(mine)


def test_the_prompt_is_built_once_on_the_default_engine(owner, gpu_worker):
    voice = upload_json(owner)
    stored = Voice.objects.get(public_id=voice["id"])

    build_voice_prompt(stored.pk)
    build_voice_prompt(stored.pk)

    prompt = VoicePrompt.objects.get(voice=stored)
    assert prompt.mode == "icl"
    assert prompt.model.endswith("base")
    assert len([r for r in gpu_worker.requests if r["path"] == "/voices/prompt"]) == 1
    assert owner.get(f"{VOICES}/{voice['id']}").json()["prompt_status"] == "ready"


def test_a_job_with_the_voice_sends_the_stored_prompt_not_the_audio(owner, gpu_worker):
    voice = upload_json(owner)
    build_voice_prompt(Voice.objects.get(public_id=voice["id"]).pk)
    job = intake.job_create(account=owner.account, text="Read this in my voice.", engine="local", voice=voice["id"])

    synthesize_job(job.pk)

    (request,) = gpu_worker.synthesis_requests()
    assert "voice_prompt" in request["body"]
    assert "voice_data" not in request["body"]
    assert base64.b64decode(request["body"]["voice_prompt"]) == bytes(VoicePrompt.objects.get().data)
    job.refresh_from_db()
    assert job.status == "complete"


def test_a_job_waits_for_a_prompt_that_is_not_built_yet(owner, gpu_worker):
    voice = upload_json(owner)
    job = intake.job_create(account=owner.account, text="Straight away, please.", engine="local", voice=voice["id"])

    synthesize_job(job.pk)

    paths = [request["path"] for request in gpu_worker.requests]
    assert paths == ["/voices/prompt", "/synthesize"]
    job.refresh_from_db()
    assert job.status == "complete"


def test_an_inline_clone_job_uses_a_prompt_and_an_identical_one_builds_no_second(owner, gpu_worker):
    inline = {"voice": "clone", "voice_data": base64.b64encode(REFERENCE).decode(), "ref_text": "Hello there."}

    first = owner.post("/api/tts/v1/tts/jobs", {"text": "First chapter.", **inline}, format="json").json()
    second = owner.post("/api/tts/v1/tts/jobs", {"text": "Second chapter.", **inline}, format="json").json()
    for job_id in (first["job_id"], second["job_id"]):
        synthesize_job(SynthesisJob.objects.get(public_id=job_id).pk)

    paths = [request["path"] for request in gpu_worker.requests]
    assert paths.count("/voices/prompt") == 1
    assert all("voice_prompt" in request["body"] for request in gpu_worker.synthesis_requests())
    assert Voice.objects.filter(inline=True).count() == 1
    listed = [voice["id"] for voice in owner.get(VOICES).json()["voices"]]
    assert not any(voice_id.startswith("voice_") for voice_id in listed)  # inline clones are not listed


def test_a_voice_can_be_renamed_and_deleted(owner):
    voice = upload_json(owner)

    renamed = owner.patch(f"{VOICES}/{voice['id']}", {"name": "Evening narrator"}, format="json")
    deleted = owner.delete(f"{VOICES}/{voice['id']}")

    assert renamed.json()["name"] == "Evening narrator"
    assert deleted.status_code == 200
    assert owner.get(f"{VOICES}/{voice['id']}").status_code == 404


def test_a_voices_language_is_checked_when_changed_as_when_uploaded(owner):
    voice = upload_json(owner)

    refused = owner.patch(f"{VOICES}/{voice['id']}", {"language": "Klingon"}, format="json")
    changed = owner.patch(f"{VOICES}/{voice['id']}", {"language": "German"}, format="json")

    assert (refused.status_code, refused.json()["code"]) == (400, "unknown_language")
    assert changed.json()["language"] == "german"


@pytest.mark.parametrize(
    "request_for",
    [
        lambda client, voice_id: client.get(f"{VOICES}/{voice_id}"),
        lambda client, voice_id: client.patch(f"{VOICES}/{voice_id}", {"name": "Mine now"}, format="json"),
        lambda client, voice_id: client.delete(f"{VOICES}/{voice_id}"),
        lambda client, voice_id: client.post("/api/tts/v1/tts/jobs", {"text": "Hi.", "voice": voice_id}, format="json"),
    ],
    ids=["see", "change", "delete", "use"],
)
def test_another_account_cannot_see_change_delete_or_use_the_voice(owner, stranger, request_for):
    voice = upload_json(owner)

    response = request_for(stranger, voice["id"])

    assert response.status_code == 404
    assert Voice.objects.get(public_id=voice["id"]).name == "Narrator"
    assert voice["id"] not in str(stranger.get(VOICES).json())


def test_uploads_need_a_name_and_audio(owner):
    assert owner.post(VOICES, {"name": "No audio"}, format="json").json()["code"] == "missing_audio"
    assert owner.post(VOICES, {"audio_base64": reference_base64()}, format="json").json()["code"] == "required"


def test_a_prompt_made_by_another_model_is_rebuilt_not_a_failure(owner, gpu_worker):
    voice = Voice.objects.get(public_id=upload_json(owner)["id"])
    build_voice_prompt(voice.pk)
    prompt = VoicePrompt.objects.get(voice=voice)
    VoicePrompt.objects.filter(pk=prompt.pk).update(model=OTHER_MODEL, data=as_if_built_by(prompt, OTHER_MODEL))
    job = intake.job_create(account=owner.account, text="Which model are you?", engine="local", voice=voice.public_id)

    synthesize_job(job.pk)

    job.refresh_from_db()
    assert job.status == "complete"
    assert sorted(VoicePrompt.objects.filter(voice=voice).values_list("model", flat=True)) == sorted(
        [OTHER_MODEL, prompt.model]
    )
    assert [request["path"] for request in gpu_worker.requests][-3:] == ["/synthesize", "/voices/prompt", "/synthesize"]


def test_after_a_rebuild_later_jobs_use_the_rebuilt_prompt(owner, gpu_worker):
    voice = Voice.objects.get(public_id=upload_json(owner)["id"])
    build_voice_prompt(voice.pk)
    prompt = VoicePrompt.objects.get(voice=voice)
    VoicePrompt.objects.create(voice=voice, model=OTHER_MODEL, mode="icl", data=as_if_built_by(prompt, OTHER_MODEL))
    first = intake.job_create(account=owner.account, text="First job.", engine="local", voice=voice.public_id)
    synthesize_job(first.pk)
    gpu_worker.reset()

    second = intake.job_create(account=owner.account, text="Second job.", engine="local", voice=voice.public_id)
    synthesize_job(second.pk)

    assert [request["path"] for request in gpu_worker.requests] == ["/synthesize"]
    second.refresh_from_db()
    assert second.status == "complete"


def test_a_job_uses_the_prompt_of_the_model_its_engine_runs_however_old(owner, gpu_worker):
    voice = Voice.objects.get(public_id=upload_json(owner)["id"])
    build_voice_prompt(voice.pk)
    prompt = VoicePrompt.objects.get(voice=voice)
    first = intake.job_create(account=owner.account, text="Learn my model.", engine="local", voice=voice.public_id)
    synthesize_job(first.pk)  # the engine's workers are now known to clone with prompt.model
    VoicePrompt.objects.create(voice=voice, model=OTHER_MODEL, mode="icl", data=as_if_built_by(prompt, OTHER_MODEL))
    gpu_worker.reset()

    job = intake.job_create(account=owner.account, text="Not the newest one.", engine="local", voice=voice.public_id)
    synthesize_job(job.pk)

    assert [request["path"] for request in gpu_worker.requests] == ["/synthesize"]
    job.refresh_from_db()
    assert job.status == "complete"
