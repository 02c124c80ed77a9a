"""One inference thread per model, fed by a queue of segments from every request to that model.

Calling one qwen-tts instance from several threads is slower than running its list-batched
``generate_*`` calls in sequence (qwen3tts.md §4), so each model gets exactly one thread. While it
works, requests queue. Each model call takes the oldest waiting segments, of any voice and
language, up to ``TTS_MAX_BATCH``; segments of requests marked ``first_audio`` (a job's first
segment, which a reader waits for before playback starts) go first, and never share a call with
other segments, which are longer and would hold them up.

How many segments a call takes follows ``TTS_DECODER``: ``graphs`` takes one at a time for the
graph path, ``batched`` as many as fit one batched call, and ``auto`` one on the graph path while
fewer than ``TTS_BATCH_THRESHOLD`` wait, a batched call otherwise. A request is answered once all
its segments are spoken, with its share of each call's time.
"""

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace

from gpu_worker.config import Settings
from gpu_worker.decoders import BATCHED, GRAPHS
from gpu_worker.model import LoadedModel, SegmentOutcome, SynthesisResult
from gpu_worker.protocol import Segment
from gpu_worker.voices import GenerationVoice, Utterance

logger = logging.getLogger(__name__)


def plan(mode: str, graphs_loaded: bool, waiting: int, threshold: int, max_batch: int) -> tuple[str, int]:
    """The decoder of the next call, and how many of the waiting segments it takes."""
    if graphs_loaded and (mode == GRAPHS or (mode == "auto" and waiting < threshold)):
        return GRAPHS, 1
    return BATCHED, min(waiting, max_batch)


@dataclass(eq=False)
class SynthesisWork:
    """One request's segments: spoken in one or more model calls, answered when the last is done."""

    voice: GenerationVoice
    language: str
    seed: int
    segments: list[Segment]
    first_audio: bool = False
    future: Future = field(default_factory=Future)
    taken: int = 0
    seconds: float = 0.0
    outcomes: dict[int, SegmentOutcome] = field(default_factory=dict)

    @property
    def waiting(self) -> int:
        return len(self.segments) - self.taken

    def utterance(self, position: int) -> Utterance:
        return Utterance(self.segments[position].text, self.voice, self.language)


@dataclass(eq=False)
class CallWork:
    """Anything else that needs the model, such as building a voice prompt; runs alone."""

    call: Callable[[LoadedModel], object]
    first_audio = False
    future: Future = field(default_factory=Future)


@dataclass
class ModelCall:
    decoder: str
    pieces: list[tuple[SynthesisWork, int]]  # (request, position of the segment in it)

    @property
    def seed(self) -> int:
        """The seed of the request whose segment came first: one seed per call (see LoadedModel.synthesize)."""
        return self.pieces[0][0].seed


class InferenceQueue:
    def __init__(self, model: LoadedModel, settings: Settings):
        self.model = model
        self.settings = settings
        self._pending: deque[SynthesisWork | CallWork] = deque()
        self._ready = threading.Condition()
        self._thread = threading.Thread(target=self._run, name=f"inference-{model.kind}", daemon=True)
        self._thread.start()

    @property
    def depth(self) -> int:
        """Segments (and other calls) waiting for the model."""
        with self._ready:
            return sum(work.waiting if isinstance(work, SynthesisWork) else 1 for work in self._pending)

    async def synthesize(
        self, voice: GenerationVoice, language: str, segments: list[Segment], seed: int, first_audio: bool = False
    ) -> SynthesisResult:
        work = SynthesisWork(voice, language, seed, segments, first_audio)
        self._put(work)
        return await asyncio.wrap_future(work.future)

    async def call(self, call: Callable[[LoadedModel], object]) -> object:
        work = CallWork(call)
        self._put(work)
        return await asyncio.wrap_future(work.future)

    def _put(self, work: SynthesisWork | CallWork) -> None:
        with self._ready:
            self._pending.append(work)
            self._ready.notify()

    def _take(self) -> ModelCall | CallWork:
        with self._ready:
            while not self._pending:
                self._ready.wait()
            line = [work for work in self._pending if work.first_audio] or list(self._pending)
            if isinstance(line[0], CallWork):
                self._pending.remove(line[0])
                return line[0]
            works = [work for work in line if isinstance(work, SynthesisWork)]
            waiting = sum(work.waiting for work in works)
            decoder, count = plan(
                self.settings.decoder,
                self.model.graphs is not None,
                waiting,
                self.settings.batch_threshold,
                self.settings.max_batch,
            )
            pieces: list[tuple[SynthesisWork, int]] = []
            for work in works:
                # A request whose client went away is dropped here, before it reaches the model.
                if work.taken == 0 and not work.future.set_running_or_notify_cancel():
                    self._pending.remove(work)
                    continue
                take = min(work.waiting, count - len(pieces))
                pieces += [(work, position) for position in range(work.taken, work.taken + take)]
                work.taken += take
                if not work.waiting:
                    self._pending.remove(work)
                if len(pieces) == count:
                    break
            return ModelCall(decoder, pieces)

    def _run(self) -> None:
        while True:
            work = self._take()
            if isinstance(work, CallWork):
                self._run_call(work)
            elif work.pieces:
                self._run_synthesis(work)

    def _run_call(self, work: CallWork) -> None:
        if not work.future.set_running_or_notify_cancel():
            return
        try:
            work.future.set_result(work.call(self.model))
        except Exception as exc:  # the request fails; the thread lives on for the next one
            logger.exception("model call failed")
            work.future.set_exception(exc)

    def _run_synthesis(self, call: ModelCall) -> None:
        requests = list(dict.fromkeys(work for work, _ in call.pieces))
        try:
            utterances = [work.utterance(position) for work, position in call.pieces]
            result = self.model.synthesize(utterances, call.seed, call.decoder)
        except Exception as exc:
            logger.exception("inference failed")
            for work in requests:
                self._fail(work, exc)
            return
        # Each request is billed its segments' share of the call, not the whole call.
        share = result.seconds / len(call.pieces)
        for (work, position), outcome in zip(call.pieces, result.outcomes, strict=True):
            work.outcomes[position] = replace(outcome, index=work.segments[position].index)
            work.seconds += share
        for work in requests:
            if len(work.outcomes) == len(work.segments) and not work.future.done():
                ordered = [work.outcomes[position] for position in range(len(work.segments))]
                work.future.set_result(SynthesisResult(ordered, seconds=work.seconds))

    def _fail(self, work: SynthesisWork, exc: Exception) -> None:
        """A failed call fails every request in it, with the segments of theirs still waiting."""
        with self._ready:
            if work in self._pending:
                self._pending.remove(work)
        if not work.future.done():
            work.future.set_exception(exc)
