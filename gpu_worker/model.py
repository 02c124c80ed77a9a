"""One loaded Qwen3-TTS model, and generation with the guards every segment goes through.

Nothing here knows about HTTP; everything here runs on the model's inference thread.
"""

import hashlib
import io
import logging
import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from gpu_worker import audio
from gpu_worker.config import SAMPLE_RATE, Settings
from gpu_worker.qwen import Qwen3TTSModel, VoiceClonePromptItem

logger = logging.getLogger(__name__)

SAMPLES_PER_FRAME = 1920  # one 12.5 Hz codec frame at 24 kHz
REFERENCE_TAIL_SECONDS = 0.5  # in-context cloning continues from the reference's last frame
SERVED_KINDS = ("base", "custom_voice")
WARM_UP_TEXT = "Hello, and welcome."


class PromptMismatch(ValueError):
    """A voice prompt made by another model: the caller should build a new one with this model."""


@dataclass(frozen=True)
class PresetVoice:
    speaker: str
    instruct: str | None = None

    @property
    def key(self) -> str:
        return f"preset:{self.speaker}:{self.instruct or ''}"


@dataclass(frozen=True, eq=False)
class CloneVoice:
    """A cloned voice: a ready prompt, or reference audio to build one from on the inference thread."""

    key: str
    prompt: VoiceClonePromptItem | None = None
    reference: tuple[np.ndarray, int] | None = None
    ref_text: str | None = None


GenerationVoice = PresetVoice | CloneVoice


@dataclass(frozen=True)
class Segment:
    index: int
    text: str


@dataclass
class SegmentOutcome:
    index: int
    samples: np.ndarray | None
    attempts: int
    error: str | None = None
    code: str | None = None

    @property
    def frames(self) -> int:
        return 0 if self.samples is None else len(self.samples) // SAMPLES_PER_FRAME


@dataclass
class SynthesisResult:
    outcomes: list[SegmentOutcome]
    batch_size: int
    seconds: float = field(default=0.0)


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


def reference_key(data: bytes, ref_text: str | None) -> str:
    return "reference:" + hashlib.sha256(data + b"\0" + (ref_text or "").encode()).hexdigest()


def prompt_key(data: bytes) -> str:
    return "prompt:" + hashlib.sha256(data).hexdigest()


class LoadedModel:
    def __init__(self, name: str, tts: Qwen3TTSModel, settings: Settings):
        self.name = name
        self.tts = tts
        self.settings = settings
        self.kind = tts.model.config.tts_model_type
        self.languages = {"auto", *(tts.get_supported_languages() or [])}
        self.speakers = set(tts.get_supported_speakers() or [])

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
        logger.info(
            "loaded %s (%s) on %s as %s in %.1fs", name, model.kind, device, dtype_name, time.monotonic() - started
        )
        return model

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
            # Set by gpu_worker.testing.tiny_model: such a model speaks noise.
            "random_weights": bool(getattr(self.tts.model.config, "random_weights", False)),
        }

    def frame_cap(self, text: str) -> int:
        """The most codec frames a segment may take: generous for its length, never unbounded."""
        tokens = len(self.tts.processor.tokenizer(text)["input_ids"])
        wanted = math.ceil(self.settings.frames_per_token * tokens)
        return min(self.settings.max_new_tokens, max(self.settings.min_new_tokens, wanted))

    def warm_up(self) -> None:
        if self.kind == "custom_voice":
            voice = PresetVoice(speaker=sorted(self.speakers)[0])
        else:
            tone = 0.3 * np.sin(2 * np.pi * 220 * np.arange(2 * SAMPLE_RATE) / SAMPLE_RATE).astype(np.float32)
            voice = CloneVoice(key="warm-up", reference=(tone, SAMPLE_RATE))
        self.synthesize(voice, "auto", [Segment(0, WARM_UP_TEXT)], seed=0)

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

    def synthesize(self, voice: GenerationVoice, language: str, segments: list[Segment], seed: int) -> SynthesisResult:
        """Generate every segment; retry the ones that fail a guard once, with the next seed."""
        started = time.monotonic()
        if isinstance(voice, CloneVoice) and voice.prompt is None:
            samples, sample_rate = voice.reference
            voice = CloneVoice(key=voice.key, prompt=self.build_prompt(samples, sample_rate, voice.ref_text))
        outcomes: dict[int, SegmentOutcome] = {}
        pending = list(segments)
        for attempt in (1, 2):
            if not pending:
                break
            caps = [self.frame_cap(segment.text) for segment in pending]
            torch.manual_seed(seed + attempt - 1)
            wavs, sample_rate = self._generate(voice, language, [s.text for s in pending], max_new_tokens=max(caps))
            if sample_rate != SAMPLE_RATE:
                raise RuntimeError(f"model produced {sample_rate} Hz audio, expected {SAMPLE_RATE}")
            still_failing = []
            for segment, cap, wav in zip(pending, caps, wavs, strict=True):
                samples = np.asarray(wav, dtype=np.float32)
                failure = judge(samples, cap, segment.text, self.settings.max_seconds_per_character)
                if failure is None:
                    outcomes[segment.index] = SegmentOutcome(segment.index, samples, attempts=attempt)
                else:
                    code, error = failure
                    logger.warning("segment %s failed on attempt %s: %s", segment.index, attempt, error)
                    outcomes[segment.index] = SegmentOutcome(segment.index, None, attempt, error=error, code=code)
                    still_failing.append(segment)
            pending = still_failing
        ordered = [outcomes[segment.index] for segment in segments]
        return SynthesisResult(ordered, batch_size=len(segments), seconds=time.monotonic() - started)

    def _generate(self, voice: GenerationVoice, language: str, texts: list[str], max_new_tokens: int):
        if isinstance(voice, PresetVoice):
            return self.tts.generate_custom_voice(
                text=texts,
                speaker=voice.speaker,
                language=language,
                instruct=voice.instruct,
                max_new_tokens=max_new_tokens,
            )
        return self.tts.generate_voice_clone(
            text=texts,
            language=language,
            voice_clone_prompt=[voice.prompt],
            max_new_tokens=max_new_tokens,
        )
