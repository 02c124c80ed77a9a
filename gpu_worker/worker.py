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
"""

import os

from vastai import BenchmarkConfig, HandlerConfig, LogActionConfig, Worker, WorkerConfig

from gpu_worker.config import FAILED_MARKER, READY_MARKER, env_float, env_int

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
        model_log_file=os.environ.get("MODEL_LOG", "/var/log/gpu_worker/model.log"),
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


def main() -> None:
    Worker(worker_config()).run()


if __name__ == "__main__":
    main()
