import base64

from gpu_worker.testing.audio import reference_base64, wav_info


def test_an_inline_clone_from_a_16khz_reference_returns_a_wav(model_server):
    response = model_server.post(
        "/synthesize",
        json={"text": "Read in my voice.", "language": "English", "voice": "clone", "voice_data": reference_base64()},
    )

    assert response.status_code == 200
    answer = response.json()
    assert answer["model"] == str(model_server.checkpoints["base"])
    info = wav_info(base64.b64decode(answer["audio"]))
    assert (info.subtype, info.channels, info.samplerate) == ("PCM_16", 1, 24000)
    assert info.frames == answer["frames"] * 1920


def test_a_clone_with_a_transcript_uses_in_context_cloning(model_server):
    response = model_server.post(
        "/synthesize",
        json={
            "text": "Read in my voice, closely.",
            "voice": "clone",
            "voice_data": reference_base64(seconds=8, sample_rate=44100),
            "ref_text": "This is what I said in the recording.",
        },
    )

    assert response.status_code == 200
    assert response.json()["status"] == "success"


def test_stereo_flac_references_are_accepted(model_server):
    reference = reference_base64(seconds=6, sample_rate=48000, channels=2, file_format="FLAC")

    response = model_server.post("/synthesize", json={"text": "Hello.", "voice": "clone", "voice_data": reference})

    assert response.status_code == 200
