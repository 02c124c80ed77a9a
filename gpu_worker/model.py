"""One loaded Qwen3-TTS model, its decoders, and the guards every segment goes through.

Nothing here knows about HTTP or queues; everything here runs on the model's inference thread.
"""

import io
import logging
import math
import time
from collections import OrderedDict
from dataclasses import dataclass, replace

import numpy as np
import torch

from gpu_worker import audio
from gpu_worker.config import SAMPLE_RATE, Settings
from gpu_worker.decoders import BATCHED, GRAPHS, BatchedDecoder, GraphDecoder
from gpu_worker.qwen import Qwen3TTSModel, VoiceClonePromptItem
from gpu_worker.voices import CloneVoice, GenerationVoice, PresetVoice, Utterance

logger = logging.getLogger(__name__)

SAMPLES_PER_FRAME = 1920  # one 12.5 Hz codec frame at 24 kHz
REFERENCE_TAIL_SECONDS = 0.5  # in-context cloning continues from the reference's last frame
SERVED_KINDS = ("base", "custom_voice")
WARM_UP_TEXT = "Hello, and welcome."
# LibRead's inline clones send the same reference with every request; its prompt is built once.
PROMPT_CACHE_SIZE = 32


class PromptMismatch(ValueError):
    """A voice prompt made by another model: the caller should build a new one with this model."""


@dataclass
class SegmentOutcome:
    index: int
    samples: np.ndarray | None
    attempts: int
    error: str | None = None
    code: str | None = None
    decoder: str = BATCHED
    batch_size: int = 1  # items in the model call that spoke it

    @property
    def frames(self) -> int:
        return 0 if self.samples is None else len(self.samples) // SAMPLES_PER_FRAME


@dataclass
class SynthesisResult:
    outcomes: list[SegmentOutcome]
    seconds: float

    @property
    def batch_size(self) -> int:
        return max(outcome.batch_size for outcome in self.outcomes)


def judge(samples: np.ndarray, cap: int, text: str, max_seconds_per_character: float) -> tuple[str, str] | None:
    """Why generated audio must not be returned as good audio, as (code, message); None if it may."""
    frames = len(samples) // SAMPLES_PER_FRAME
    if audio.has_invalid_samples(samples):
        return "invalid_audio", "generation produced NaN or infinite samples"
    if frames >= cap - 1:
        return "frame_cap", f"generation reached its cap of {cap} frames without ending"
    if audio.is_silent(samples):
        return "silent_audio", "generation produced silence"
    # Off by default: the random-weight test model stops at random lengths.
    if max_seconds_per_character and len(samples) / SAMPLE_RATE > 1.0 + max_seconds_per_character * len(text):
        return "too_long", f"generation is implausibly long for {len(text)} characters"
    return None


class LoadedModel:
    def __init__(self, name: str, tts: Qwen3TTSModel, settings: Settings):
        self.name = name
        self.tts = tts
        self.settings = settings
        self.kind = tts.model.config.tts_model_type
        self.languages = {"auto", *(tts.get_supported_languages() or [])}
        self.speakers = set(tts.get_supported_speakers() or [])
        self.batched = BatchedDecoder(tts)
        self.graphs: GraphDecoder | None = None
        self._prompts: OrderedDict[str, VoiceClonePromptItem] = OrderedDict()

    @classmethod
    def load(cls, name: str, settings: Settings) -> "LoadedModel":
        device = settings.device or ("cuda:0" if torch.cuda.is_available() else "cpu")
        # bf16 on GPU: fp16 overflows to NaN in sampling (qwen3tts.md §6).
        dtype_name = settings.dtype or ("bfloat16" if device.startswith("cuda") else "float32")
        dtype = getattr(torch, dtype_name, None)
        if not isinstance(dtype, torch.dtype):
            raise ValueError(f"TTS_DTYPE {dtype_name!r} is not a torch dtype")
        started = time.monotonic()
        tts = Qwen3TTSModel.from_pretrained(name, device_map=device, dtype=dtype)
        model = cls(name, tts, settings)
        if model.kind not in SERVED_KINDS:
            raise ValueError(f"{name} is a {model.kind} model; this worker serves base and custom_voice models")
        if settings.decoder != BATCHED:
            model.graphs = model.build_graphs(device)
        logger.info(
            "loaded %s (%s) on %s as %s in %.1fs, decoding on %s",
            name,
            model.kind,
            device,
            dtype_name,
            time.monotonic() - started,
            " and ".join(model.decoders),
        )
        return model

    def build_graphs(self, device: str) -> GraphDecoder | None:
        try:
            return GraphDecoder(self.tts, self.settings.graph_max_seq_len)
        except Exception as exc:  # without CUDA the graph classes fail as they are built
            if self.settings.decoder == GRAPHS:
                raise RuntimeError(f"TTS_DECODER=graphs, but no graph path can be built on {device}: {exc}") from exc
            logger.warning("graph path unavailable on %s (%s); every call is decoded batched", device, exc)
            return None

    @property
    def decoders(self) -> list[str]:
        return [GRAPHS, BATCHED] if self.graphs else [BATCHED]

    @property
    def device(self) -> str:
        return str(self.tts.device)

    @property
    def dtype(self) -> str:
        return str(self.tts.model.dtype).removeprefix("torch.")

    def describe(self) -> dict:
        return {
            "id": self.name,
            "type": self.kind,
            "device": self.device,
            "dtype": self.dtype,
            "languages": sorted(self.languages),
            "speakers": sorted(self.speakers),
            "decoders": self.decoders,
            # Set by gpu_worker.testing.tiny_model: such a model speaks noise.
            "random_weights": bool(getattr(self.tts.model.config, "random_weights", False)),
        }

    def frame_cap(self, text: str) -> int:
        """The most codec frames a segment may take: generous for its length, never unbounded."""
        tokens = len(self.tts.processor.tokenizer(text)["input_ids"])
        wanted = math.ceil(self.settings.frames_per_token * tokens)
        return min(self.settings.max_new_tokens, max(self.settings.min_new_tokens, wanted))

    def warm_up(self) -> None:
        """One real call on each decoder, so the first request pays no first-call costs."""
        if self.kind == "custom_voice":
            voice = PresetVoice(speaker=sorted(self.speakers)[0])
        else:
            tone = 0.3 * np.sin(2 * np.pi * 220 * np.arange(2 * SAMPLE_RATE) / SAMPLE_RATE).astype(np.float32)
            voice = CloneVoice(key="warm-up", reference=(tone, SAMPLE_RATE))
        for decoder in self.decoders:
            self.synthesize([Utterance(WARM_UP_TEXT, voice, "auto")], seed=0, decoder=decoder)

    def build_prompt(self, samples: np.ndarray, sample_rate: int, ref_text: str | None) -> VoiceClonePromptItem:
        samples = audio.append_silence(samples, sample_rate, REFERENCE_TAIL_SECONDS)
        (item,) = self.tts.create_voice_clone_prompt(
            ref_audio=(samples, sample_rate),  # never a string: qwen-tts fetches string URLs itself
            ref_text=ref_text,
            x_vector_only_mode=not ref_text,
        )
        return item

    def serialize_prompt(self, item: VoiceClonePromptItem) -> bytes:
        buffer = io.BytesIO()
        torch.save(
            {
                "model": self.name,
                "ref_code": None if item.ref_code is None else item.ref_code.cpu(),
                "ref_spk_embedding": item.ref_spk_embedding.float().cpu(),
                "x_vector_only_mode": bool(item.x_vector_only_mode),
                "icl_mode": bool(item.icl_mode),
                "ref_text": item.ref_text,
            },
            buffer,
        )
        return buffer.getvalue()

    def deserialize_prompt(self, data: bytes) -> VoiceClonePromptItem:
        try:
            stored = torch.load(io.BytesIO(data), weights_only=True, map_location="cpu")
            built_by = stored.pop("model")
            item = VoiceClonePromptItem(**stored)
        except Exception:
            raise ValueError("voice_prompt is not a prompt made by POST /voices/prompt") from None
        expected_size = self.tts.model.config.speaker_encoder_config.enc_dim
        if built_by != self.name or item.ref_spk_embedding.shape != (expected_size,):
            raise PromptMismatch(f"voice_prompt was built by {built_by}, this worker clones with {self.name}")
        return VoiceClonePromptItem(
            ref_code=None if item.ref_code is None else item.ref_code.to(self.tts.device),
            ref_spk_embedding=item.ref_spk_embedding.to(self.tts.device, self.tts.model.dtype),
            x_vector_only_mode=item.x_vector_only_mode,
            icl_mode=item.icl_mode,
            ref_text=item.ref_text,
        )

    def synthesize(self, items: list[Utterance], seed: int, decoder: str) -> SynthesisResult:
        """Speak the items in one model call; retry those that fail a guard once, with the next seed.

        The seed seeds the call, not an item: sampling draws from one random stream for the whole
        batch, so an item's audio depends on the call it is in.
        """
        started = time.monotonic()
        items = [replace(item, voice=self.ready_voice(item.voice)) for item in items]
        caps = [self.frame_cap(item.text) for item in items]
        chosen = self.decoder_for(decoder, items, caps)
        outcomes: list[SegmentOutcome | None] = [None] * len(items)
        pending = list(range(len(items)))
        for attempt in (1, 2):
            if not pending:
                break
            torch.manual_seed(seed + attempt - 1)
            wavs = chosen.generate([items[i] for i in pending], [caps[i] for i in pending])
            still_failing = []
            for position, samples in zip(pending, wavs, strict=True):
                failure = judge(samples, caps[position], items[position].text, self.settings.max_seconds_per_character)
                call = {"attempts": attempt, "decoder": chosen.name, "batch_size": len(items)}
                if failure is None:
                    outcomes[position] = SegmentOutcome(position, samples, **call)
                else:
                    code, error = failure
                    logger.warning("item %s failed on attempt %s: %s", position, attempt, error)
                    outcomes[position] = SegmentOutcome(position, None, error=error, code=code, **call)
                    still_failing.append(position)
            pending = still_failing
        return SynthesisResult(outcomes, seconds=time.monotonic() - started)

    def decoder_for(self, name: str, items: list[Utterance], caps: list[int]) -> BatchedDecoder | GraphDecoder:
        if name == GRAPHS and self.graphs is not None:
            if all(self.graphs.fits(item, cap) for item, cap in zip(items, caps, strict=True)):
                return self.graphs
            logger.info("a prompt and its frame cap do not fit the graphs' static cache; decoding batched")
        return self.batched

    def ready_voice(self, voice: GenerationVoice) -> GenerationVoice:
        """The voice with its clone prompt, built from its reference audio once and kept a while."""
        if not isinstance(voice, CloneVoice) or voice.prompt is not None:
            return voice
        if voice.key not in self._prompts:
            samples, sample_rate = voice.reference
            self._prompts[voice.key] = self.build_prompt(samples, sample_rate, voice.ref_text)
            if len(self._prompts) > PROMPT_CACHE_SIZE:
                self._prompts.popitem(last=False)
        self._prompts.move_to_end(voice.key)
        return CloneVoice(key=voice.key, prompt=self._prompts[voice.key])
