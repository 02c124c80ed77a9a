"""Segments of different requests, voices and languages of one model share batched calls.

The server decodes ``auto`` with a threshold of 2: a lone waiting segment goes on the graph path,
two or more make a batched call. A long request first keeps the inference thread busy while the
requests under test queue behind it.
"""

import base64
import threading
import time
from dataclasses import replace

import httpx
import pytest

from gpu_worker import audio
from gpu_worker.config import Settings
from gpu_worker.decoders import BATCHED, GRAPHS
from gpu_worker.model import LoadedModel
from gpu_worker.testing.audio import reference_base64
from gpu_worker.testing.model_server import start_model_server
from gpu_worker.voices import CloneVoice, PresetVoice, Utterance

MAX_BATCH = 4
LONG_REQUEST = [{"index": i, "text": "The rain had not stopped for three days."} for i in range(64)]


@pytest.fixture(scope="module")
def auto_server(tiny_checkpoints, tmp_path_factory):
    yield from start_model_server(
        tmp_path_factory.mktemp("auto"),
        tiny_checkpoints["base"],
        tiny_checkpoints["custom_voice"],
        tiny_checkpoints,
        decoder="auto",
        TTS_BATCH_THRESHOLD="2",
        TTS_MAX_BATCH=str(MAX_BATCH),
    )


class InFlight:
    """Requests sent from threads in a known order, their answers and when each came back."""

    def __init__(self, server):
        self.server, self.answers, self.finished, self.threads = server, {}, [], []

    def send(self, name: str, body: dict) -> None:
        def post():
            self.answers[name] = self.server.post("/synthesize", json=body).json()
            self.finished.append(name)

        self.threads.append(threading.Thread(target=post))
        self.threads[-1].start()
        time.sleep(0.3)  # so the server receives the requests in the order they are sent

    def wait(self) -> dict:
        for thread in self.threads:
            thread.join(120)
        return self.answers


def queued_behind_a_long_request(server, voice: dict, requests: dict[str, dict]) -> InFlight:
    in_flight = InFlight(server)
    in_flight.send("long", {"segments": LONG_REQUEST, **voice})
    for name, body in requests.items():
        in_flight.send(name, body)
    in_flight.wait()
    return in_flight


def wav(answer: dict) -> bytes:
    return base64.b64decode(answer["segments"][0]["audio"])


def expected_wavs(model: LoadedModel, items: list[Utterance], seed: int) -> list[bytes]:
    outcomes = model.synthesize(items, seed, BATCHED).outcomes
    return [audio.encode_wav(outcome.samples, 24000) for outcome in outcomes]


def in_process(path) -> LoadedModel:
    settings = replace(Settings.from_env(), decoder=BATCHED, max_batch=MAX_BATCH)
    return LoadedModel.load(str(path), settings)


def one_segment(text: str, seed: int, **voice) -> dict:
    return {"segments": [{"index": 0, "text": text}], "language": "english", "seed": seed, **voice}


def test_two_jobs_with_two_presets_share_one_batched_call_each_in_its_own_voice(auto_server, tiny_checkpoints):
    first = one_segment("She folded the letter twice.", 11, voice="vivian")
    second = {**one_segment("Er lachte kurz.", 22, voice="sohee"), "language": "german"}

    answers = queued_behind_a_long_request(auto_server, {"voice": "ryan"}, {"first": first, "second": second}).answers

    for name in ("first", "second"):
        assert answers[name]["status"] == "success"
        assert answers[name]["batch_size"] == 2
        assert answers[name]["segments"][0]["decoder"] == BATCHED
    model = in_process(tiny_checkpoints["custom_voice"])
    vivian, sohee = PresetVoice("vivian"), PresetVoice("sohee")
    items = [
        Utterance("She folded the letter twice.", vivian, "english"),
        Utterance("Er lachte kurz.", sohee, "german"),
    ]
    # One call, seeded by the request that came first: what the model says for these two voices.
    assert [wav(answers["first"]), wav(answers["second"])] == expected_wavs(model, items, seed=11)
    in_one_voice = [items[0], replace(items[1], voice=vivian)]
    assert wav(answers["second"]) != expected_wavs(model, in_one_voice, seed=11)[1]


def test_two_jobs_with_two_cloned_voices_share_one_batched_call_each_in_its_own_voice(auto_server, tiny_checkpoints):
    def prompt(**reference) -> str:
        return auto_server.post("/voices/prompt", json=reference).json()["prompt"]

    reader = prompt(voice_data=reference_base64(seconds=6), ref_text="What the reader said.")
    narrator = prompt(voice_data=reference_base64(seconds=9, sample_rate=24000))
    first = one_segment("Read it in my voice.", 5, voice_prompt=reader)
    second = one_segment("And this one in mine.", 6, voice_prompt=narrator)

    answers = queued_behind_a_long_request(auto_server, {"voice_prompt": reader}, {"a": first, "b": second}).answers

    assert [answers[name]["batch_size"] for name in ("a", "b")] == [2, 2]
    model = in_process(tiny_checkpoints["base"])
    voices = [CloneVoice(data, model.deserialize_prompt(base64.b64decode(data))) for data in (reader, narrator)]
    items = [
        Utterance("Read it in my voice.", voices[0], "english"),
        Utterance("And this one in mine.", voices[1], "english"),
    ]
    assert [wav(answers["a"]), wav(answers["b"])] == expected_wavs(model, items, seed=5)
    in_one_voice = [items[0], replace(items[1], voice=voices[0])]
    assert wav(answers["b"]) != expected_wavs(model, in_one_voice, seed=5)[1]


def test_a_jobs_first_segment_jumps_the_queue_and_goes_alone_on_the_graph_path(auto_server):
    later = one_segment("A segment from the middle of a chapter.", 1, voice="aiden")
    first_audio = {**one_segment("Chapter one.", 2, voice="serena"), "first_audio": True}

    in_flight = queued_behind_a_long_request(auto_server, {"voice": "ryan"}, {"later": later, "first": first_audio})

    # Sent after the other two, answered before both.
    assert in_flight.finished[0] == "first"
    segment = in_flight.answers["first"]["segments"][0]
    assert (segment["decoder"], segment["batch_size"]) == (GRAPHS, 1)


def test_a_lone_segment_goes_on_the_graph_path_and_a_long_request_is_batched(auto_server):
    lone = auto_server.post("/synthesize", json=one_segment("Hello there.", 3, voice="ryan")).json()
    long = auto_server.post("/synthesize", json={"segments": LONG_REQUEST[:8], "voice": "ryan"}).json()

    assert {(s["decoder"], s["batch_size"]) for s in lone["segments"]} == {(GRAPHS, 1)}
    assert {(s["decoder"], s["batch_size"]) for s in long["segments"]} == {(BATCHED, MAX_BATCH)}


def test_health_says_how_the_server_decodes(auto_server):
    health = httpx.get(auto_server.url + "/health").json()

    assert (health["decoder"], health["batch_threshold"], health["max_batch"]) == ("auto", 2, MAX_BATCH)
    assert all(model["decoders"] == [GRAPHS, BATCHED] for model in health["models"])
