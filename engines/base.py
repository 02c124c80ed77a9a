"""The engine seam: how the service asks a GPU worker for speech, whatever hosts the worker.

An engine sends one batch of segments (one voice, one language, one seed) to a worker and
returns each segment's WAV or error; it also builds clone prompts for stored voices. The
``local`` engine posts to a worker's URL; the ``vastai`` engine goes through Vast.ai's route
service to one of its serverless workers. Both send the same bodies (``payload.py``).

An engine makes one attempt per call. While no worker is ready it raises ``WorkerNotReady``
with its place in the queue (``ticket``) and when to ask again; waiting is the caller's loop.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class WorkerCall:
    """What is known of one request to a GPU worker, for the record, whether or not it worked."""

    worker_url: str = ""
    instance_id: str = ""
    model: str = ""
    request_idx: int | None = None
    http_status: int | None = None
    latency: float | None = None


class EngineError(Exception):
    """The worker refused the request: retrying the same request will not help."""

    def __init__(self, message: str, call: WorkerCall | None = None):
        super().__init__(message)
        self.call = call


class TransientEngineError(EngineError):
    """The worker could not be reached or failed; the same request may succeed later."""


class PromptMismatch(EngineError):
    """The worker clones with another model than the voice prompt was built with: build it again."""


class WorkerNotReady(TransientEngineError):
    """No GPU worker is ready yet (a cold start): ask again after ``retry_after`` seconds.

    ``ticket`` is the request's place in the engine's queue (Vast.ai's ``request_idx``); passing
    it back keeps the place, so the autoscaler counts one request, not one per poll.
    """

    def __init__(
        self, message: str, call: WorkerCall | None = None, ticket: int | None = None, retry_after: float = 1.0
    ):
        super().__init__(message, call)
        self.ticket = ticket
        self.retry_after = retry_after


@dataclass(frozen=True)
class Resume:
    """The work needs another run: a task must end within its time limit, so a long wait for a
    worker goes on in a fresh one, with the engine's ``ticket`` to keep its place in the queue."""

    ticket: int | None = None


@dataclass(frozen=True)
class BatchVoice:
    """The voice a batch is spoken in: a preset speaker with its style, or a clone prompt."""

    name: str  # "default", a preset speaker, or "clone"
    instruct: str = ""
    prompt: bytes | None = None  # a stored voice's clone prompt


@dataclass(frozen=True)
class SegmentText:
    index: int
    text: str


@dataclass(frozen=True)
class Batch:
    segments: list[SegmentText]
    language: str
    voice: BatchVoice
    seed: int
    first_audio: bool = False  # a job's first segment: the worker decodes it ahead of everything else

    @property
    def characters(self) -> int:
        return sum(len(segment.text) for segment in self.segments)


@dataclass(frozen=True)
class SegmentAudio:
    index: int
    wav: bytes | None
    duration: float | None = None
    error: str = ""
    code: str = ""


@dataclass(frozen=True)
class BatchResult:
    segments: list[SegmentAudio]
    gpu_seconds: float
    call: WorkerCall

    @property
    def audio_seconds(self) -> float:
        return sum(segment.duration or 0.0 for segment in self.segments if segment.wav is not None)


@dataclass(frozen=True)
class BuiltPrompt:
    """A reusable clone prompt as a worker built it: opaque bytes, and the one model it works with."""

    data: bytes
    model: str
    mode: str  # "icl" with a transcript, "x_vector" without
    gpu_seconds: float = 0.0
    call: WorkerCall | None = None


class Engine(ABC):
    name: str
    title: str  # how people call it: "Vast.ai TTS not configured"

    @abstractmethod
    def missing_configuration(self) -> list[str]:
        """Settings that must be set before this engine can work; empty when it can."""

    @abstractmethod
    def health(self) -> dict:
        """What is configured and whether the worker answers, for the health endpoint."""

    @abstractmethod
    def synthesize(self, batch: Batch, ticket: int | None = None) -> BatchResult:
        """Speak the batch; ``ticket`` is the one a ``WorkerNotReady`` for this batch carried."""

    @abstractmethod
    def build_voice_prompt(self, reference: bytes, ref_text: str = "", ticket: int | None = None) -> BuiltPrompt:
        """A clone prompt of the reference; ``ticket`` as for ``synthesize``."""

    def price_per_hour(self, instance_id: str) -> Decimal | None:
        """What the worker instance costs, in USD per hour, when the engine can know it."""
        return None
