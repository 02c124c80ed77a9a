import base64

from gpu_worker.testing.audio import reference_base64, wav_info

CHAPTER = [
    {"index": 0, "text": "The rain had not stopped for three days."},
    {"index": 1, "text": "She folded the letter twice and walked out into the cold."},
    {"index": 2, "text": "He laughed."},
    {"index": 7, "text": "By the time the caravan reached the pass, the sun was setting."},
]


def test_each_segment_comes_back_with_its_own_wav_duration_and_frames(model_server):
    response = model_server.post("/synthesize", json={"segments": CHAPTER, "language": "english", "voice": "ryan"})

    assert response.status_code == 200
    answer = response.json()
    assert answer["status"] == "success"
    assert [segment["index"] for segment in answer["segments"]] == [0, 1, 2, 7]
    for segment in answer["segments"]:
        info = wav_info(base64.b64decode(segment["audio"]))
        assert (info.subtype, info.channels, info.samplerate) == ("PCM_16", 1, 24000)
        assert info.frames == segment["frames"] * 1920
        assert segment["duration"] == round(info.frames / 24000, 3)


def test_a_batch_is_one_batched_call_or_one_graph_call_per_segment(model_server):
    answer = model_server.post("/synthesize", json={"segments": CHAPTER}).json()

    calls = {"batched": (len(CHAPTER), "batched"), "graphs": (1, "graphs")}[model_server.decoder]
    assert answer["batch_size"] == calls[0]
    assert {(segment["batch_size"], segment["decoder"]) for segment in answer["segments"]} == {calls}


def test_a_cloned_batch_works_too(model_server):
    response = model_server.post(
        "/synthesize", json={"segments": CHAPTER[:2], "voice": "clone", "voice_data": reference_base64()}
    )

    assert response.status_code == 200
    assert [segment["status"] for segment in response.json()["segments"]] == ["success", "success"]
