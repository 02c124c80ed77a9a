"""The Vast.ai PyWorker in front of the model server: ``python -m gpu_worker.worker``.

Built on the PyWorker framework of the ``vastai`` package. It checks each request's route
signature, queues it, forwards its ``payload`` to the model server on ``127.0.0.1:$PORT`` and
passes the answer back. It reports the worker ready only after the model server has written its
ready line to ``$MODEL_LOG``, run the benchmark and answered ``/health``.

Workload is counted in characters of text, the same unit the service sends to ``/route/`` as
``cost``, so the autoscaler's queue estimates are in one unit everywhere.

The framework reads ``WORKER_PORT``, ``WORKER_HTTP_PORT``, ``USE_SSL``, ``UNSECURED``,
``REPORT_ADDR``, ``MASTER_TOKEN``, ``CONTAINER_ID``, ``PUBLIC_IPADDR`` and
``VAST_TCP_PORT_<WORKER_PORT>`` itself (see gpu_worker/README.md).

Only signed requests get work done. The framework (vastai 1.9.1, ``serverless/server/lib``) also
serves ``/session/create|end|get|health`` and ``/pyworker/update`` on its public port, and
``/session/end`` on ``WORKER_HTTP_PORT``, without checking a route signature: a stranger could
have the model server work, POST anywhere from the worker, and set the load the worker reports
to Vast's autoscaler. This service opens no sessions and updates no worker in place, so those
routes answer 404. The framework reads request bodies with no size limit; here each is capped at
``TTS_MAX_BODY_BYTES`` before it is parsed. Its client session to the model server carries
``GPU_WORKER_TOKEN``. Should the framework no longer have what is replaced here, the worker
refuses to start.
"""

import asyncio
import functools
import inspect
import logging

from aiohttp import ClientSession, ClientTimeout, TCPConnector, web
from vastai import BenchmarkConfig, HandlerConfig, LogActionConfig, Worker, WorkerConfig
from vastai.serverless.server.lib.backend import Backend

from gpu_worker.config import (
    DEFAULT_MAX_BODY_BYTES,
    FAILED_MARKER,
    READY_MARKER,
    env_float,
    env_int,
    env_str,
)

logger = logging.getLogger("gpu_worker.worker")

# The framework's handlers that check no route signature; each is replaced with a 404.
UNSIGNED_HANDLERS = (
    "session_create_handler",
    "session_end_handler",
    "session_get_handler",
    "session_health_handler",
    "pyworker_update_handler",
)

# Building a clone prompt costs about as much GPU time as speaking this many characters.
PROMPT_WORKLOAD = 200.0

# Paragraph-sized sentences like the segments the service sends: 90 to 280 characters.
BENCHMARK_TEXTS = [
    "The rain had not stopped for three days, and the river below the old mill was rising faster than anyone "
    "in the village could remember.",
    "She folded the letter twice, slipped it into the pocket of her coat, and walked out into the cold morning "
    "without looking back at the house where she had grown up.",
    "Cultivation, the elder said, is not a matter of strength alone.",
    "By the time the caravan reached the pass, the sun was already setting behind the mountains, painting the "
    "snow in shades of orange and violet that none of the travellers had ever seen before, and the guide "
    "insisted that they make camp at once.",
    "He laughed, a short and surprised sound, as if he had forgotten he was able to.",
]


def characters(payload: dict) -> float:
    """The workload of a synthesis request: its characters of text."""
    if isinstance(payload.get("segments"), list):
        return float(
            sum(len(str(segment.get("text", ""))) for segment in payload["segments"] if isinstance(segment, dict))
        )
    return float(len(str(payload.get("text", ""))))


def prompt_workload(payload: dict) -> float:
    return PROMPT_WORKLOAD


def worker_config() -> WorkerConfig:
    max_queue_time = env_float("PYWORKER_MAX_QUEUE_TIME", 120.0)
    return WorkerConfig(
        model_server_url="http://127.0.0.1",
        model_server_port=env_int("PORT", 8080, minimum=1),
        model_log_file=env_str("MODEL_LOG", "/var/log/gpu_worker/model.log"),
        model_healthcheck_url="/health",
        handlers=[
            HandlerConfig(
                route="/synthesize",
                # The model server batches and queues per model itself; the framework's own
                # queue would hand it one request at a time.
                allow_parallel_requests=True,
                max_queue_time=max_queue_time,
                workload_calculator=characters,
                benchmark_config=BenchmarkConfig(
                    dataset=[{"text": text, "language": "english", "voice": "default"} for text in BENCHMARK_TEXTS],
                    runs=env_int("PYWORKER_BENCHMARK_RUNS", 4, minimum=1),
                    concurrency=env_int("PYWORKER_BENCHMARK_CONCURRENCY", 8, minimum=1),
                ),
            ),
            HandlerConfig(
                route="/voices/prompt",
                allow_parallel_requests=True,
                max_queue_time=max_queue_time,
                workload_calculator=prompt_workload,
            ),
        ],
        log_action_config=LogActionConfig(on_load=[READY_MARKER], on_error=[FAILED_MARKER]),
    )


class FrameworkChanged(RuntimeError):
    """The vastai package no longer has what this module replaces: review it before deploying."""


def check_framework() -> None:
    for name in UNSIGNED_HANDLERS:
        if not inspect.iscoroutinefunction(getattr(Backend, name, None)):
            raise FrameworkChanged(f"vastai's Backend has no {name} to close")
    if not isinstance(vars(Backend).get("session"), functools.cached_property):
        raise FrameworkChanged("vastai's Backend.session is no longer a cached property to replace")


def error_answer(status: int, message: str, code: str) -> web.Response:
    """The model server's error shape, for the answers the PyWorker gives itself."""
    return web.json_response({"status": "error", "error": message, "code": code}, status=status)


async def not_found(request: web.Request) -> web.Response:
    return error_answer(404, "not found", "not_found")


def body_capped(handler, max_bytes: int):
    """The framework's route handler, reading at most ``max_bytes`` of body: a larger one is a 413
    before any of it is parsed (the framework's own app has no limit)."""

    async def handle(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request.clone(client_max_size=max_bytes))
        except web.HTTPRequestEntityTooLarge:
            return error_answer(
                413, f"the request body is over {max_bytes} bytes (TTS_MAX_BODY_BYTES)", "request_entity_too_large"
            )

    return handle


def guarded_worker(config: WorkerConfig, max_body_bytes: int) -> Worker:
    """The framework's worker with its unsigned routes answering 404 and its request bodies capped."""
    check_framework()
    worker = Worker(config)
    for name in UNSIGNED_HANDLERS:
        setattr(worker.backend, name, not_found)
    worker.routes = [
        web.route(route.method, route.path, body_capped(route.handler, max_body_bytes), **route.kwargs)
        for route in worker.routes
    ]
    return worker


def model_server_session(base_url: str, token: str | None) -> ClientSession:
    """The framework's client session to the model server (``Backend.session``), sending the token."""
    return ClientSession(
        base_url,
        timeout=ClientTimeout(total=None),
        # As the framework's own: a connection per request, for long-running ones.
        connector=TCPConnector(force_close=True, enable_cleanup_closed=True),
        headers={"Authorization": f"Bearer {token}"} if token else None,
    )


async def serve(worker: Worker, token: str | None) -> None:
    worker.backend.session = model_server_session(worker.backend.model_server_url, token)
    await worker.run_async()


def main() -> None:
    max_body_bytes = env_int("TTS_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES, minimum=1024)
    token = env_str("GPU_WORKER_TOKEN")
    worker = guarded_worker(worker_config(), max_body_bytes)
    logger.info(
        "signed routes only: /session/* and /pyworker/update answer 404; bodies capped at %d bytes; "
        "model server token %s",
        max_body_bytes,
        "set" if token else "not set",
    )
    asyncio.run(serve(worker, token))


if __name__ == "__main__":
    main()
