"""The ``local`` engine: a gpu_worker model server at GPU_WORKER_URL, on this host or the network."""

import logging
import time

import httpx
from django.conf import settings

from engines.base import (
    Batch,
    BatchResult,
    BuiltPrompt,
    Engine,
    TransientEngineError,
    WorkerCall,
    WorkerNotReady,
)
from engines.payload import (
    batch_result,
    built_prompt,
    prompt_payload,
    refusal,
    synthesis_payload,
    transport_failure,
)

logger = logging.getLogger(__name__)

HEALTH_SECONDS = 2.0
# url -> (when asked, the state it answered)
_health_cache: dict[str, tuple[float, dict]] = {}

RANDOM_WEIGHTS_WARNING = (
    "The GPU worker runs tiny random-weight test models: they speak noise. For speech, start it with "
    "TTS_MODEL=Qwen/Qwen3-TTS-12Hz-1.7B-Base and TTS_PRESET_MODEL=Qwen/Qwen3-TTS-12Hz-1.7B-CustomVoice."
)


class LocalEngine(Engine):
    name = "local"
    title = "Local"

    def __init__(self, url: str | None = None):
        self.url = (url or settings.GPU_WORKER_URL).rstrip("/")

    def missing_configuration(self) -> list[str]:
        return [] if self.url else ["GPU_WORKER_URL"]

    @staticmethod
    def headers() -> dict[str, str]:
        """The model server's token (its GPU_WORKER_TOKEN), on every request."""
        token = settings.GPU_WORKER_TOKEN
        return {"Authorization": f"Bearer {token}"} if token else {}

    def health(self) -> dict:
        """Whether the worker answers and what it runs, for the public health answer: never its
        address or the error's words (logged). Asked at most every HEALTH_SECONDS per process, so
        health probes do not turn into a stream of requests to the worker."""
        cached = _health_cache.get(self.url)
        if cached and time.monotonic() - cached[0] < HEALTH_SECONDS:
            return cached[1]
        state = self.worker_state()
        _health_cache[self.url] = (time.monotonic(), state)
        return state

    def worker_state(self) -> dict:
        try:
            response = httpx.get(f"{self.url}/health", headers=self.headers(), timeout=5)
            state = {"reachable": True, "ready": response.status_code == 200}
            if response.status_code == 200:
                state["models"] = [
                    {"id": model["id"], "type": model["type"], "random_weights": model.get("random_weights", False)}
                    for model in response.json()["models"]
                ]
                if any(model["random_weights"] for model in state["models"]):
                    state["warning"] = RANDOM_WEIGHTS_WARNING
            return state
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            logger.warning("the GPU worker at %s did not answer its health: %s", self.url, exc)
            return {"reachable": False, "ready": False}

    def post(self, path: str, payload: dict) -> tuple[dict, WorkerCall]:
        call = WorkerCall(worker_url=self.url)
        started = time.monotonic()
        try:
            response = httpx.post(
                f"{self.url}{path}", json=payload, headers=self.headers(), timeout=settings.TTS_WORKER_TIMEOUT
            )
        except httpx.ConnectError as exc:
            logger.info("the GPU worker at %s is not reachable yet: %s", self.url, exc)
            raise WorkerNotReady("The GPU worker is not reachable yet.", call) from None
        except httpx.HTTPError as exc:
            logger.warning("a request to the GPU worker at %s failed: %r", self.url, exc)
            message = f"GPU worker request failed: {transport_failure(exc)}"
            raise TransientEngineError(message, WorkerCall(self.url, latency=time.monotonic() - started)) from None
        call = WorkerCall(self.url, http_status=response.status_code, latency=time.monotonic() - started)
        if response.status_code != 200:
            raise refusal(response, call)
        try:
            return response.json(), call
        except ValueError:
            raise TransientEngineError("the GPU worker's answer is not JSON", call) from None

    def synthesize(self, batch: Batch, ticket: int | None = None) -> BatchResult:
        answer, call = self.post("/synthesize", synthesis_payload(batch))
        return batch_result(answer, batch, call)

    def build_voice_prompt(self, reference: bytes, ref_text: str = "", ticket: int | None = None) -> BuiltPrompt:
        answer, call = self.post("/voices/prompt", prompt_payload(reference, ref_text))
        return built_prompt(answer, call)
