"""The two ways one loaded model decodes, over the same weights.

- ``BatchedDecoder``: stock qwen-tts, one ``generate_*`` call for a whole batch, each item with its
  own speaker, instruct, clone prompt and language. Slow per stream (about 0.44x real time for
  1.7B on an H100, published) but a batch costs little more than one item.
- ``GraphDecoder``: faster-qwen3-tts 0.3.2, which decodes one text per call with the code
  predictor's 15-step loop and the talker's step captured as CUDA graphs over a static KV cache
  (about 3.3x real time and 240 ms to first audio for 1.7B on an H100, published).

Both sample with the checkpoint's ``generation_config.json``, so at batch 1 with the same seed they
give the same audio (tests/test_decoder_parity.py).
"""

import numpy as np

from gpu_worker.config import SAMPLE_RATE
from gpu_worker.qwen import Qwen3TTSModel
from gpu_worker.voices import PresetVoice, Utterance

GRAPHS, BATCHED = "graphs", "batched"
# Chat-template tokens around the text, instruct and reference transcript, and the codec control
# positions (think, language, speaker, pad, bos) that a prompt holds besides its text and codes.
PROMPT_FRAMING_TOKENS = 32
# Where the talker graph's warm-up step writes: any position inside the static cache will do.
WARM_UP_PREFILL = 100


def checked(wavs: list, sample_rate: int) -> list[np.ndarray]:
    if sample_rate != SAMPLE_RATE:
        raise RuntimeError(f"model produced {sample_rate} Hz audio, expected {SAMPLE_RATE}")
    return [np.asarray(wav, dtype=np.float32) for wav in wavs]


class BatchedDecoder:
    name = BATCHED

    def __init__(self, tts: Qwen3TTSModel):
        self.tts = tts

    def generate(self, items: list[Utterance], caps: list[int]) -> list[np.ndarray]:
        """Every item in one call; the call runs until its longest item ends or reaches the largest cap."""
        texts, languages = [item.text for item in items], [item.language for item in items]
        if isinstance(items[0].voice, PresetVoice):
            wavs, sample_rate = self.tts.generate_custom_voice(
                text=texts,
                speaker=[item.voice.speaker for item in items],
                language=languages,
                instruct=[item.voice.instruct or "" for item in items],
                max_new_tokens=max(caps),
            )
        else:
            wavs, sample_rate = self.tts.generate_voice_clone(
                text=texts,
                language=languages,
                voice_clone_prompt=[item.voice.prompt for item in items],
                max_new_tokens=max(caps),
            )
        return checked(wavs, sample_rate)


class GraphDecoder:
    """faster-qwen3-tts built over the already loaded model, its graphs captured at once.

    ``FasterQwen3TTS.from_pretrained`` would load a second copy of the weights, so the model is
    assembled from its graph classes instead. Capturing runs warm-up passes that consume random
    numbers: it happens here, at load, so that no seeded call ever follows a first capture.
    """

    name = GRAPHS

    def __init__(self, tts: Qwen3TTSModel, max_seq_len: int):
        # Imported here: only a worker that decodes on graphs needs the package's graph code.
        from faster_qwen3_tts import FasterQwen3TTS
        from faster_qwen3_tts.predictor_graph import PredictorGraph
        from faster_qwen3_tts.talker_graph import TalkerGraph

        self.tts = tts
        self.max_seq_len = max_seq_len
        defaults = tts._merge_generate_kwargs()  # the checkpoint's sampling, as the batched path uses it
        self.sampling = {
            name: defaults[name] for name in ("do_sample", "top_k", "top_p", "temperature", "repetition_penalty")
        }
        talker, config = tts.model.talker, tts.model.config.talker_config
        device, dtype = str(tts.device), tts.model.dtype
        # The code predictor's sampling is fixed when its graph is built.
        predictor = PredictorGraph(
            talker.code_predictor,
            talker.code_predictor.model.config,
            config.hidden_size,
            device=device,
            dtype=dtype,
            do_sample=defaults["subtalker_dosample"],
            top_k=defaults["subtalker_top_k"],
            top_p=defaults["subtalker_top_p"],
            temperature=defaults["subtalker_temperature"],
        )
        talker_graph = TalkerGraph(talker.model, config, device=device, dtype=dtype, max_seq_len=max_seq_len)
        self.faster = FasterQwen3TTS(tts, predictor, talker_graph, device=device, dtype=dtype, max_seq_len=max_seq_len)
        self.faster.warmup(prefill_len=WARM_UP_PREFILL)

    def prompt_bound(self, item: Utterance) -> int:
        """At least as many positions as the item's prompt takes in the talker's cache."""
        voice = item.voice
        if isinstance(voice, PresetVoice):
            texts, reference_frames = [item.text, voice.instruct], 0
        else:
            ref_code = voice.prompt.ref_code
            texts = [item.text, voice.prompt.ref_text if voice.prompt.icl_mode else None]
            reference_frames = 0 if ref_code is None or not voice.prompt.icl_mode else int(ref_code.shape[0])
        tokenizer = self.tts.processor.tokenizer
        tokens = sum(len(tokenizer(text)["input_ids"]) for text in texts if text)
        return tokens + reference_frames + PROMPT_FRAMING_TOKENS

    def fits(self, item: Utterance, cap: int) -> bool:
        """Whether the item's prompt and its frame cap fit the static cache.

        Decoding stops silently where the cache ends. When prompt and cap fit, the frame cap is
        reached first, so every stop short of an end token is caught as the frame-cap guard.
        """
        return self.prompt_bound(item) + cap <= self.max_seq_len

    def generate(self, items: list[Utterance], caps: list[int]) -> list[np.ndarray]:
        """Each item in a call of its own: the graphs decode one text at a time."""
        return [self._generate_one(item, cap) for item, cap in zip(items, caps, strict=True)]

    def _generate_one(self, item: Utterance, cap: int) -> np.ndarray:
        voice = item.voice
        if isinstance(voice, PresetVoice):
            wavs, sample_rate = self.faster.generate_custom_voice(
                text=item.text,
                speaker=voice.speaker,
                language=item.language,
                instruct=voice.instruct,
                max_new_tokens=cap,
                **self.sampling,
            )
        else:
            wavs, sample_rate = self.faster.generate_voice_clone(
                text=item.text,
                language=item.language,
                voice_clone_prompt=[voice.prompt],
                max_new_tokens=cap,
                **self.sampling,
            )
        (wav,) = checked(wavs, sample_rate)
        return wav
