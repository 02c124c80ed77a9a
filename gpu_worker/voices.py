"""What a segment is spoken with: a preset speaker or a cloned voice, and its language."""

import hashlib
from dataclasses import dataclass

import numpy as np

from gpu_worker.qwen import VoiceClonePromptItem


@dataclass(frozen=True)
class PresetVoice:
    speaker: str
    instruct: str | None = None


@dataclass(frozen=True, eq=False)
class CloneVoice:
    """A cloned voice: a ready prompt, or reference audio to build one from on the inference thread."""

    key: str
    prompt: VoiceClonePromptItem | None = None
    reference: tuple[np.ndarray, int] | None = None
    ref_text: str | None = None


GenerationVoice = PresetVoice | CloneVoice


@dataclass(frozen=True)
class Utterance:
    """One text to speak, in its own voice and language: one item of a model call."""

    text: str
    voice: GenerationVoice
    language: str


def reference_key(data: bytes, ref_text: str | None) -> str:
    return "reference:" + hashlib.sha256(data + b"\0" + (ref_text or "").encode()).hexdigest()


def prompt_key(data: bytes) -> str:
    return "prompt:" + hashlib.sha256(data).hexdigest()
