"""The model server's request bodies: validation, and the answers' JSON.

Every refusal is a ``RequestError`` carrying an HTTP status, a machine code and a message that
says what was wrong and what is expected.
"""

import secrets
from dataclasses import dataclass

import numpy as np

from gpu_worker import audio
from gpu_worker.config import SAMPLE_RATE, Settings
from gpu_worker.model import LoadedModel, PromptMismatch, SegmentOutcome
from gpu_worker.voices import CloneVoice, GenerationVoice, PresetVoice, prompt_key, reference_key

CLONE, PRESET = "base", "custom_voice"
MISSING_MODEL = {
    CLONE: "voice cloning needs a Base model and this worker has none loaded (set TTS_MODEL)",
    PRESET: "preset voices need a CustomVoice model and this worker has none loaded (set TTS_PRESET_MODEL)",
}
SEED_LIMIT = 2**31
REF_TEXT_MAX_LENGTH = 2000  # a transcript of a 30 s reference is a few hundred characters


class RequestError(Exception):
    def __init__(self, message: str, code: str, status: int = 400):
        super().__init__(message)
        self.message, self.code, self.status = message, code, status


@dataclass(frozen=True)
class Segment:
    index: int
    text: str


@dataclass
class SynthesisRequest:
    model: LoadedModel
    voice: GenerationVoice
    language: str
    seed: int
    segments: list[Segment]
    batch_form: bool
    first_audio: bool


@dataclass
class PromptRequest:
    model: LoadedModel
    samples: np.ndarray
    sample_rate: int
    ref_text: str | None


def require_object(body: object) -> dict:
    if not isinstance(body, dict):
        raise RequestError("the request body must be a JSON object", "invalid_json")
    return body


def model_for(kind: str, models: dict[str, LoadedModel]) -> LoadedModel:
    model = models.get(kind)
    if model is None:
        raise RequestError(MISSING_MODEL[kind], "model_not_loaded")
    return model


def optional_string(body: dict, name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise RequestError(f"{name} must be a string", f"invalid_{name}")
    return value.strip() or None


def checked_text(value: object, settings: Settings, where: str = "text") -> str:
    if not isinstance(value, str):
        raise RequestError(f"{where} must be a string", "invalid_text")
    if not value.strip():
        raise RequestError(f"{where} is empty", "invalid_text")
    if len(value) > settings.max_length:
        raise RequestError(
            f"{where} has {len(value)} characters; this worker takes at most {settings.max_length} (TTS_MAX_LENGTH)",
            "text_too_long",
            status=413,
        )
    return value.strip()


def parse_segments(body: dict, settings: Settings) -> tuple[list[Segment], bool]:
    has_text, has_segments = "text" in body, "segments" in body
    if has_text == has_segments:
        raise RequestError("send either text or segments: [{index, text}, ...]", "invalid_text")
    if has_text:
        return [Segment(0, checked_text(body["text"], settings))], False
    items = body["segments"]
    if not isinstance(items, list) or not items:
        raise RequestError("segments must be a non-empty list of {index, text}", "invalid_segments")
    if len(items) > settings.max_segments:
        raise RequestError(
            f"{len(items)} segments in one request; at most {settings.max_segments} (TTS_MAX_SEGMENTS)",
            "too_many_segments",
            status=413,
        )
    segments = []
    for position, item in enumerate(items):
        if not isinstance(item, dict) or type(item.get("index")) is not int:
            raise RequestError(f"segments[{position}] must be an object with an integer index", "invalid_segments")
        segments.append(Segment(item["index"], checked_text(item.get("text"), settings, f"segments[{position}].text")))
    if len({segment.index for segment in segments}) != len(segments):
        raise RequestError("segment indexes must be unique", "invalid_segments")
    return segments, True


def decode_reference(body: dict, settings: Settings) -> tuple[bytes, np.ndarray, int]:
    if "voice_data" not in body:
        raise RequestError(
            "voice: clone needs voice_data, base64 audio of 5-30 s of clear speech", "missing_voice_data"
        )
    try:
        data = audio.decode_base64(body["voice_data"], "voice_data")
        samples, sample_rate = audio.decode_reference(
            data, settings.reference_min_seconds, settings.reference_max_seconds
        )
    except audio.AudioError as exc:
        raise RequestError(str(exc), exc.code) from None
    if audio.is_silent(samples):
        raise RequestError("reference audio is silent", "invalid_reference_audio")
    return data, samples, sample_rate


def parse_ref_text(body: dict) -> str | None:
    ref_text = optional_string(body, "ref_text")
    if ref_text is not None and len(ref_text) > REF_TEXT_MAX_LENGTH:
        raise RequestError(
            f"ref_text has {len(ref_text)} characters; at most {REF_TEXT_MAX_LENGTH}", "ref_text_too_long"
        )
    return ref_text


def parse_voice(body: dict, models: dict[str, LoadedModel], settings: Settings) -> tuple[LoadedModel, GenerationVoice]:
    name = body.get("voice", "default")
    if not isinstance(name, str):
        raise RequestError("voice must be a string", "invalid_voice")
    instruct = optional_string(body, "instruct")
    if body.get("voice_prompt") is not None or name.strip().lower() == "clone":
        if instruct:
            raise RequestError("instruct works with preset voices only, not with cloned ones", "invalid_instruct")
        return parse_clone_voice(body, models, settings)
    model = model_for(PRESET, models)
    speaker = settings.default_speaker if name.strip().lower() in ("", "default") else name.strip()
    if speaker.lower() not in model.speakers:
        raise RequestError(
            f"unknown voice {speaker!r}: use default, clone, or one of {', '.join(sorted(model.speakers))}",
            "unknown_voice",
        )
    return model, PresetVoice(speaker=speaker.lower(), instruct=instruct)


def parse_clone_voice(
    body: dict, models: dict[str, LoadedModel], settings: Settings
) -> tuple[LoadedModel, GenerationVoice]:
    model = model_for(CLONE, models)
    if body.get("voice_prompt") is not None:
        try:
            data = audio.decode_base64(body["voice_prompt"], "voice_prompt")
            return model, CloneVoice(key=prompt_key(data), prompt=model.deserialize_prompt(data))
        except PromptMismatch as exc:
            raise RequestError(
                f"{exc}; build a new prompt with POST /voices/prompt", "prompt_model_mismatch", 409
            ) from None
        except ValueError as exc:
            raise RequestError(str(exc), "invalid_voice_prompt") from None
    ref_text = parse_ref_text(body)
    data, samples, sample_rate = decode_reference(body, settings)
    return model, CloneVoice(key=reference_key(data, ref_text), reference=(samples, sample_rate), ref_text=ref_text)


def parse_language(body: dict, model: LoadedModel) -> str:
    language = body.get("language") or "auto"
    if not isinstance(language, str) or language.strip().lower() not in model.languages:
        raise RequestError(
            f"unknown language {language!r}: use one of {', '.join(sorted(model.languages))}", "unknown_language"
        )
    return language.strip().lower()


def parse_seed(body: dict) -> int:
    seed = body.get("seed")
    if seed is None:
        return secrets.randbelow(SEED_LIMIT)
    if type(seed) is not int or not 0 <= seed < SEED_LIMIT:
        raise RequestError(f"seed must be an integer from 0 to {SEED_LIMIT - 1}", "invalid_seed")
    return seed


def parse_first_audio(body: dict) -> bool:
    first_audio = body.get("first_audio", False)
    if type(first_audio) is not bool:
        raise RequestError("first_audio must be true or false", "invalid_first_audio")
    return first_audio


def parse_synthesis(body: object, models: dict[str, LoadedModel], settings: Settings) -> SynthesisRequest:
    body = require_object(body)
    segments, batch_form = parse_segments(body, settings)
    model, voice = parse_voice(body, models, settings)
    language, seed, first_audio = parse_language(body, model), parse_seed(body), parse_first_audio(body)
    return SynthesisRequest(model, voice, language, seed, segments, batch_form, first_audio)


def parse_prompt(body: object, models: dict[str, LoadedModel], settings: Settings) -> PromptRequest:
    body = require_object(body)
    model = model_for(CLONE, models)
    ref_text = parse_ref_text(body)
    _, samples, sample_rate = decode_reference(body, settings)
    return PromptRequest(model, samples, sample_rate, ref_text)


def segment_json(outcome: SegmentOutcome) -> dict:
    if outcome.samples is None:
        return {
            "index": outcome.index,
            "status": "error",
            "error": outcome.error,
            "code": outcome.code,
            "attempts": outcome.attempts,
            "decoder": outcome.decoder,
            "batch_size": outcome.batch_size,
        }
    return {
        "index": outcome.index,
        "status": "success",
        "audio": audio.encode_base64(audio.encode_wav(outcome.samples, SAMPLE_RATE)),
        "duration": round(len(outcome.samples) / SAMPLE_RATE, 3),
        "frames": outcome.frames,
        "attempts": outcome.attempts,
        "decoder": outcome.decoder,
        "batch_size": outcome.batch_size,
    }
