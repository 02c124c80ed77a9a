"""The environment Vast.ai gives a PyWorker, on loopback: signature check on, no TLS."""

from pathlib import Path

import httpx
from Crypto.PublicKey import RSA

from gpu_worker.testing.processes import free_port
from gpu_worker.testing.vast_report import VastReportService

INSTANCE_ID = "4242"


def pyworker_env(
    worker_port: int, model_port: int, model_log: Path, report_addr: str, benchmark_runs: int, **overrides: str
) -> dict:
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
        **overrides,
    }


def signed_post(
    vast: VastReportService, worker_url: str, route: str, payload: dict, key: RSA.RsaKey | None = None
) -> httpx.Response:
    """A request as a client sends it once Vast's route service chose this worker."""
    auth_data = vast.auth_data(worker_url, cost=len(payload.get("text", "")), key=key)
    return httpx.post(worker_url + route, json={"auth_data": auth_data, "payload": payload}, timeout=120)
