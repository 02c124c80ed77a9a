import base64

from gpu_worker.testing.audio import decoded_samples, wav_info
from gpu_worker.testing.pyworker import INSTANCE_ID


def assert_is_speech_wav(answer: dict) -> None:
    wav = base64.b64decode(answer["audio"])
    info = wav_info(wav)
    assert (info.format, info.subtype, info.channels, info.samplerate) == ("WAV", "PCM_16", 1, 24000)
    assert info.frames == answer["frames"] * 1920
    assert answer["duration"] == round(info.frames / 24000, 3)
    assert abs(decoded_samples(wav)).max() > 0.01


def test_the_seed_request_with_the_default_voice_returns_a_wav(model_server):
    response = model_server.post(
        "/synthesize", json={"text": "Hello, world!", "language": "English", "voice": "default"}
    )

    assert response.status_code == 200
    answer = response.json()
    assert answer["status"] == "success"
    assert answer["sample_rate"] == 24000
    assert answer["synthesis_time"] > 0
    assert_is_speech_wav(answer)


def test_the_answer_names_the_model_and_the_instance(model_server):
    answer = model_server.post("/synthesize", json={"text": "Chapter one."}).json()

    assert answer["model"] == str(model_server.checkpoints["custom_voice"])
    assert answer["instance_id"] == INSTANCE_ID


def test_a_preset_speaker_is_matched_case_insensitively_with_an_instruct(model_server):
    response = model_server.post(
        "/synthesize",
        json={"text": "It was a dark night.", "language": "english", "voice": "Ono_Anna", "instruct": "Whisper."},
    )

    assert response.status_code == 200
    assert_is_speech_wav(response.json())


def test_auto_language_and_a_dialect_speaker_work(model_server):
    response = model_server.post("/synthesize", json={"text": "你好，世界。", "language": "auto", "voice": "Dylan"})

    assert response.status_code == 200
    assert_is_speech_wav(response.json())


def test_extra_keys_from_libread_are_ignored(model_server):
    response = model_server.post(
        "/synthesize",
        json={"text": "A line.", "prefer_phonemes": True, "model_id": "x", "reading_profile": {}},
    )

    assert response.status_code == 200


def test_the_seed_is_echoed_and_reused_seeds_repeat_the_audio(model_server):
    request = {"text": "The same words twice.", "voice": "serena", "seed": 1234}

    first = model_server.post("/synthesize", json=request).json()
    second = model_server.post("/synthesize", json=request).json()

    assert first["seed"] == second["seed"] == 1234
    assert first["audio"] == second["audio"]
