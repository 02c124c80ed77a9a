"""The graph path speaks exactly what the batched path speaks, one segment at a time.

Both paths run in this process on the tiny checkpoints, the graph code eagerly on CPU
(gpu_worker/testing/eager_graphs.py); clone prompts go through the same serialisation as
``POST /voices/prompt``.
"""

from dataclasses import replace

import numpy as np
import pytest

from gpu_worker.config import SAMPLE_RATE, Settings
from gpu_worker.decoders import BATCHED, GRAPHS
from gpu_worker.model import LoadedModel
from gpu_worker.testing.audio import voiced_signal
from gpu_worker.testing.eager_graphs import eager_cuda_graphs
from gpu_worker.voices import CloneVoice, PresetVoice, Utterance

SEEDS = range(4)
TEXT = "The rain had not stopped for three days."


@pytest.fixture(scope="module")
def models(tiny_checkpoints):
    settings = replace(Settings.from_env(), decoder=GRAPHS, graph_max_seq_len=512)
    with eager_cuda_graphs():
        loaded = {kind: LoadedModel.load(str(path), settings) for kind, path in tiny_checkpoints.items()}
        for model in loaded.values():
            model.warm_up()
        yield loaded


def stored_prompt(model: LoadedModel, ref_text: str | None) -> CloneVoice:
    """A clone prompt as a client gets it from /voices/prompt and sends it back."""
    item = model.build_prompt(voiced_signal(6.0, SAMPLE_RATE), SAMPLE_RATE, ref_text)
    return CloneVoice(key="stored", prompt=model.deserialize_prompt(model.serialize_prompt(item)))


def voice_for(models, case: str):
    if case == "preset":
        return models["custom_voice"], PresetVoice("ryan")
    if case == "preset with instruct":
        return models["custom_voice"], PresetVoice("serena", "Slowly, in a low voice.")
    ref_text = "This is what I said in the recording." if case == "icl clone" else None
    return models["base"], stored_prompt(models["base"], ref_text)


@pytest.mark.parametrize("case", ["preset", "preset with instruct", "icl clone", "x-vector clone"])
def test_the_graph_path_gives_the_batched_paths_audio_at_batch_one(models, case):
    model, voice = voice_for(models, case)
    item = Utterance(TEXT, voice, "english")
    spoken = 0
    for seed in SEEDS:
        (graphs,) = model.synthesize([item], seed, GRAPHS).outcomes
        (batched,) = model.synthesize([item], seed, BATCHED).outcomes

        assert (graphs.decoder, batched.decoder) == (GRAPHS, BATCHED)
        assert (graphs.code, graphs.frames, graphs.attempts) == (batched.code, batched.frames, batched.attempts)
        if graphs.samples is not None:
            np.testing.assert_allclose(graphs.samples, batched.samples, atol=1e-5)
            spoken += 1
    assert spoken >= len(SEEDS) - 1, "the seeds must mostly give audio for the comparison to mean something"


def test_different_seeds_give_different_audio_so_the_comparison_can_fail(models):
    model, voice = voice_for(models, "preset")
    item = Utterance(TEXT, voice, "english")

    first, second = (model.synthesize([item], seed, GRAPHS).outcomes[0] for seed in (0, 1))

    assert first.frames != second.frames or not np.allclose(first.samples, second.samples, atol=1e-5)
