"""The environment Vast.ai gives a PyWorker, on loopback: signature check on, no TLS."""

from pathlib import Path

from gpu_worker.testing.processes import free_port

INSTANCE_ID = "4242"


def pyworker_env(worker_port: int, model_port: int, model_log: Path, report_addr: str, benchmark_runs: int) -> dict:
    return {
        "PORT": str(model_port),
        "MODEL_LOG": str(model_log),
        "WORKER_PORT": str(worker_port),
        "WORKER_HTTP_PORT": str(free_port()),
        f"VAST_TCP_PORT_{worker_port}": str(worker_port),
        "PUBLIC_IPADDR": "127.0.0.1",
        "CONTAINER_ID": INSTANCE_ID,
        "REPORT_ADDR": report_addr,
        "USE_SSL": "false",
        "UNSECURED": "false",
        "PYWORKER_BENCHMARK_RUNS": str(benchmark_runs),
        "PYWORKER_BENCHMARK_CONCURRENCY": str(benchmark_runs),
    }
