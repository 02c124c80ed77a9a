"""The GPU worker's request and answer bodies (gpu_worker/README.md), and the errors they end in,
shared by every engine."""

import base64
import ssl
from dataclasses import replace

import httpx

from engines.base import (
    Batch,
    BatchResult,
    BuiltPrompt,
    EngineError,
    PromptMismatch,
    SegmentAudio,
    TransientEngineError,
    WorkerCall,
    WorkerNotReady,
)

RETRYABLE_STATUSES = {408, 429, 500, 502, 503, 504}


def refusal(response, call: WorkerCall) -> EngineError:
    """The error for a worker's non-200 answer (an httpx.Response): permanent unless it may pass."""
    try:
        body = response.json()
        message, code = body.get("error", response.text), body.get("code", "")
    except ValueError:
        message, code = response.text[:200], ""
    if response.status_code == 409 and code == "prompt_model_mismatch":
        return PromptMismatch(message, call)
    if response.status_code == 503 and code == "loading":
        return WorkerNotReady("The GPU worker is loading its models; synthesis starts when it is ready.", call)
    if response.status_code in RETRYABLE_STATUSES:
        return TransientEngineError(f"GPU worker answered {response.status_code}: {message}", call)
    return EngineError(f"GPU worker refused the request ({response.status_code}): {message}", call)


def transport_failure(exc: httpx.HTTPError) -> str:
    """What went wrong on the way to a worker, as clients may see it: the kind of failure, never
    the text of the exception, which may name the worker's address. Operators find the address in
    the log and in the request's record."""
    cause = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return "its TLS certificate could not be verified"
        cause = cause.__cause__ or cause.__context__
    return type(exc).__name__


def synthesis_payload(batch: Batch) -> dict:
    payload = {
        "segments": [{"index": segment.index, "text": segment.text} for segment in batch.segments],
        "language": batch.language,
        "voice": batch.voice.name,
        "seed": batch.seed,
    }
    if batch.voice.instruct:
        payload["instruct"] = batch.voice.instruct
    if batch.voice.prompt is not None:
        payload["voice_prompt"] = base64.b64encode(batch.voice.prompt).decode()
    if batch.first_audio:
        payload["first_audio"] = True
    return payload


def batch_result(answer: dict, batch: Batch, call: WorkerCall) -> BatchResult:
    try:
        by_index = {item["index"]: item for item in answer["segments"]}
        segments = []
        for segment in batch.segments:
            item = by_index[segment.index]
            if item["status"] == "success":
                segments.append(SegmentAudio(segment.index, base64.b64decode(item["audio"]), float(item["duration"])))
            else:
                segments.append(SegmentAudio(segment.index, None, error=item["error"], code=item["code"]))
        call = replace(call, instance_id=str(answer["instance_id"]), model=answer["model"])
        return BatchResult(segments=segments, gpu_seconds=float(answer["synthesis_time"]), call=call)
    except (KeyError, TypeError, ValueError) as exc:
        raise EngineError(f"the GPU worker's answer is malformed ({type(exc).__name__}: {exc})", call) from None


def prompt_payload(reference: bytes, ref_text: str) -> dict:
    payload = {"voice_data": base64.b64encode(reference).decode()}
    if ref_text:
        payload["ref_text"] = ref_text
    return payload


def built_prompt(answer: dict, call: WorkerCall) -> BuiltPrompt:
    try:
        return BuiltPrompt(
            data=base64.b64decode(answer["prompt"]),
            model=answer["model"],
            mode=answer["mode"],
            gpu_seconds=float(answer["synthesis_time"]),
            call=replace(call, instance_id=str(answer["instance_id"]), model=answer["model"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise EngineError(f"the GPU worker's answer is malformed ({type(exc).__name__}: {exc})", call) from None
