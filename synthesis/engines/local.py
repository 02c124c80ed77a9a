"""The ``local`` engine: a gpu_worker model server at GPU_WORKER_URL, on this host or the network."""

import httpx
from django.conf import settings

from synthesis.engines.base import (
    Batch,
    BatchResult,
    Engine,
    EngineError,
    TransientEngineError,
    VoicePrompt,
    WorkerNotReady,
)
from synthesis.engines.payload import batch_result, prompt_payload, synthesis_payload, voice_prompt

RETRYABLE_STATUSES = {408, 429, 500, 502, 503, 504}
RANDOM_WEIGHTS_WARNING = (
    "The GPU worker runs tiny random-weight test models: they speak noise. For speech, start it with "
    "TTS_MODEL=Qwen/Qwen3-TTS-12Hz-1.7B-Base and TTS_PRESET_MODEL=Qwen/Qwen3-TTS-12Hz-1.7B-CustomVoice."
)


def worker_error(response: httpx.Response) -> EngineError:
    try:
        body = response.json()
        message, code = body.get("error", response.text), body.get("code", "")
    except ValueError:
        message, code = response.text[:200], ""
    if response.status_code == 503 and code == "loading":
        return WorkerNotReady("The GPU worker is loading its models; synthesis starts when it is ready.")
    if response.status_code in RETRYABLE_STATUSES:
        return TransientEngineError(f"GPU worker answered {response.status_code}: {message}")
    return EngineError(f"GPU worker refused the request ({response.status_code}): {message}")


class LocalEngine(Engine):
    name = "local"

    def __init__(self, url: str | None = None):
        self.url = (url or settings.GPU_WORKER_URL).rstrip("/")

    def missing_configuration(self) -> list[str]:
        return [] if self.url else ["GPU_WORKER_URL"]

    def health(self) -> dict:
        state = {"url": self.url, "configured": True}
        try:
            response = httpx.get(f"{self.url}/health", timeout=5)
            state.update(reachable=True, ready=response.status_code == 200)
            if response.status_code == 200:
                worker = response.json()
                state["models"] = [
                    {"id": model["id"], "type": model["type"], "random_weights": model.get("random_weights", False)}
                    for model in worker["models"]
                ]
                if any(model["random_weights"] for model in state["models"]):
                    state["warning"] = RANDOM_WEIGHTS_WARNING
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            state.update(reachable=False, ready=False, error=str(exc))
        return state

    def post(self, path: str, payload: dict) -> dict:
        try:
            response = httpx.post(f"{self.url}{path}", json=payload, timeout=settings.TTS_WORKER_TIMEOUT)
        except httpx.ConnectError as exc:
            raise WorkerNotReady(f"The GPU worker at {self.url} is not reachable yet ({exc}).") from None
        except httpx.HTTPError as exc:
            raise TransientEngineError(f"GPU worker request failed: {type(exc).__name__}: {exc}") from None
        if response.status_code != 200:
            raise worker_error(response)
        try:
            return response.json()
        except ValueError:
            raise TransientEngineError("the GPU worker's answer is not JSON") from None

    def synthesize(self, batch: Batch) -> BatchResult:
        return batch_result(self.post("/synthesize", synthesis_payload(batch)), batch)

    def build_voice_prompt(self, reference: bytes, ref_text: str = "") -> VoicePrompt:
        return voice_prompt(self.post("/voices/prompt", prompt_payload(reference, ref_text)))
