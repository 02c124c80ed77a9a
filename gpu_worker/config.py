"""Settings of the model server and the PyWorker, read once from the environment.

Kept free of torch so the PyWorker process, which only proxies, starts fast.
"""

import os
import socket
from dataclasses import dataclass
from pathlib import Path

# The model server writes these to MODEL_LOG; the PyWorker watches for them.
READY_MARKER = "gpu_worker ready:"
FAILED_MARKER = "gpu_worker failed to start:"

SAMPLE_RATE = 24000
DEFAULT_CLONE_MODEL = "Qwen/Qwen3-TTS-12Hz-1.7B-Base"
# auto: few waiting segments are decoded one at a time on graphs, more as one batched call.
DECODER_MODES = ("auto", "graphs", "batched")
# Published for 1.7B on an H100: one graph-decoded stream at 3.30x real time, one stock stream at
# 0.44x. A stock batch costs about as much per step as one stream while kernel launches dominate,
# so it overtakes one graph stream from 3.30 / 0.44 = 7.5 items on. docs/benchmarks.md has the
# command that measures the crossover on a GPU.
DEFAULT_BATCH_THRESHOLD = 8
# The largest request body, for the model server and for the PyWorker's envelope around it.
DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024


class ConfigurationError(Exception):
    pass


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or default


def env_int(name: str, default: int, minimum: int = 0) -> int:
    raw = env_str(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum}, got {value}")
    return value


def env_float(name: str, default: float, minimum: float = 0.0) -> float:
    raw = env_str(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number, got {raw!r}") from None
    if value < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum}, got {value}")
    return value


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env_str(name, default).lower()
    if value not in choices:
        raise ConfigurationError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


@dataclass(frozen=True)
class Settings:
    clone_model: str | None
    preset_model: str | None
    max_length: int
    host: str
    port: int
    model_log: Path | None
    device: str | None
    dtype: str | None
    default_speaker: str
    max_batch: int
    decoder: str
    batch_threshold: int
    graph_max_seq_len: int
    max_segments: int
    min_new_tokens: int
    max_new_tokens: int
    frames_per_token: float
    max_seconds_per_character: float
    reference_min_seconds: float
    reference_max_seconds: float
    max_body_bytes: int
    token: str | None
    instance_id: str

    @classmethod
    def from_env(cls) -> "Settings":
        settings = cls(
            # Unset means the default of LibRead's worker README; set to an empty string, no clone model is loaded.
            clone_model=env_str("TTS_MODEL") if "TTS_MODEL" in os.environ else DEFAULT_CLONE_MODEL,
            preset_model=env_str("TTS_PRESET_MODEL"),
            max_length=env_int("TTS_MAX_LENGTH", 5000, minimum=1),
            host=env_str("TTS_HOST", "127.0.0.1"),
            port=env_int("PORT", 8080, minimum=1),
            model_log=Path(env_str("MODEL_LOG")) if env_str("MODEL_LOG") else None,
            device=env_str("TTS_DEVICE"),
            dtype=env_str("TTS_DTYPE"),
            default_speaker=env_str("TTS_DEFAULT_SPEAKER", "Ryan"),
            max_batch=env_int("TTS_MAX_BATCH", 16, minimum=1),
            decoder=env_choice("TTS_DECODER", "auto", DECODER_MODES),
            batch_threshold=env_int("TTS_BATCH_THRESHOLD", DEFAULT_BATCH_THRESHOLD, minimum=1),
            # Above what the service sends: a 300-character segment cloned from a 60 s reference
            # takes about 1100 positions of prompt and 600 of frame cap, 150 Chinese characters
            # about 1200 and 1200.
            graph_max_seq_len=env_int("TTS_GRAPH_MAX_SEQ_LEN", 4096, minimum=256),
            max_segments=env_int("TTS_MAX_SEGMENTS", 64, minimum=1),
            min_new_tokens=env_int("TTS_MIN_NEW_TOKENS", 75, minimum=2),
            max_new_tokens=env_int("TTS_MAX_NEW_TOKENS", 4096, minimum=2),
            frames_per_token=env_float("TTS_FRAMES_PER_TOKEN", 8.0, minimum=0.1),
            max_seconds_per_character=env_float("TTS_MAX_SECONDS_PER_CHARACTER", 0.0),
            reference_min_seconds=env_float("TTS_REFERENCE_MIN_SECONDS", 1.0),
            reference_max_seconds=env_float("TTS_REFERENCE_MAX_SECONDS", 30.0),
            max_body_bytes=env_int("TTS_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES, minimum=1024),
            token=env_str("GPU_WORKER_TOKEN"),
            instance_id=env_str("CONTAINER_ID", socket.gethostname()),
        )
        if settings.min_new_tokens > settings.max_new_tokens:
            raise ConfigurationError("TTS_MIN_NEW_TOKENS must not exceed TTS_MAX_NEW_TOKENS")
        if not settings.clone_model and not settings.preset_model:
            raise ConfigurationError("set TTS_MODEL, TTS_PRESET_MODEL or both")
        return settings
