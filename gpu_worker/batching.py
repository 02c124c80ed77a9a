"""One inference thread per model, fed by a queue that merges compatible requests into one batch.

Calling one qwen-tts instance from several threads is slower than running its list-batched
``generate_*`` calls in sequence (qwen3tts.md §4), so each model gets exactly one thread. While it
works, requests queue; when it picks the next one up, it takes along every queued synthesis with
the same voice, language and seed, up to ``max_batch`` segments, and runs them as one call.
"""

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace

from gpu_worker.model import GenerationVoice, LoadedModel, Segment, SegmentOutcome, SynthesisResult

logger = logging.getLogger(__name__)


@dataclass(eq=False)
class SynthesisWork:
    voice: GenerationVoice
    language: str
    seed: int
    segments: list[Segment]
    future: Future = field(default_factory=Future)

    @property
    def batch_key(self) -> tuple:
        return (self.voice.key, self.language, self.seed)


@dataclass(eq=False)
class CallWork:
    """Anything else that needs the model, such as building a voice prompt; runs alone."""

    call: Callable[[LoadedModel], object]
    future: Future = field(default_factory=Future)


class InferenceQueue:
    def __init__(self, model: LoadedModel, max_batch: int):
        self.model = model
        self.max_batch = max_batch
        self._pending: deque[SynthesisWork | CallWork] = deque()
        self._ready = threading.Condition()
        self._thread = threading.Thread(target=self._run, name=f"inference-{model.kind}", daemon=True)
        self._thread.start()

    @property
    def depth(self) -> int:
        with self._ready:
            return len(self._pending)

    async def synthesize(
        self, voice: GenerationVoice, language: str, segments: list[Segment], seed: int
    ) -> SynthesisResult:
        work = SynthesisWork(voice, language, seed, segments)
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

    def _take_batch(self) -> list[SynthesisWork | CallWork]:
        with self._ready:
            while not self._pending:
                self._ready.wait()
            first = self._pending.popleft()
            if isinstance(first, CallWork):
                return [first]
            batch, size = [first], len(first.segments)
            for work in list(self._pending):
                if (
                    isinstance(work, SynthesisWork)
                    and work.batch_key == first.batch_key
                    and size + len(work.segments) <= self.max_batch
                ):
                    self._pending.remove(work)
                    batch.append(work)
                    size += len(work.segments)
            return batch

    def _run(self) -> None:
        while True:
            # A request whose client went away is cancelled here, before it reaches the model.
            batch = [work for work in self._take_batch() if work.future.set_running_or_notify_cancel()]
            if not batch:
                continue
            try:
                if isinstance(batch[0], CallWork):
                    batch[0].future.set_result(batch[0].call(self.model))
                else:
                    self._synthesize(batch)
            except Exception as exc:  # the request fails; the thread lives on for the next one
                logger.exception("inference failed")
                for work in batch:
                    if not work.future.done():
                        work.future.set_exception(exc)

    def _synthesize(self, batch: list[SynthesisWork]) -> None:
        first = batch[0]
        # Requests number their segments independently; the model sees one numbering.
        owners = [(work, segment) for work in batch for segment in work.segments]
        segments = [Segment(position, segment.text) for position, (_, segment) in enumerate(owners)]
        outcomes: list[SegmentOutcome] = []
        seconds = 0.0
        # One request may bring more segments than fit one generate call.
        for start in range(0, len(segments), self.max_batch):
            result = self.model.synthesize(
                first.voice, first.language, segments[start : start + self.max_batch], first.seed
            )
            outcomes.extend(result.outcomes)
            seconds += result.seconds
        batch_size = min(len(segments), self.max_batch)
        for work in batch:
            own = [
                replace(outcome, index=segment.index)
                for (owner, segment), outcome in zip(owners, outcomes, strict=True)
                if owner is work
            ]
            # Each request is answered with its share of the time, so merged requests are not
            # each billed for the whole call.
            share = seconds * len(own) / len(segments)
            work.future.set_result(SynthesisResult(own, batch_size=batch_size, seconds=share))
