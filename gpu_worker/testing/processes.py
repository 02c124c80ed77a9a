"""Starting processes for tests on loopback ports, and waiting until they serve.

The worker's processes run on ``GPU_WORKER_PYTHON`` (the worker's own virtual environment) when
it is set, so a caller whose environment has no torch, like the service's tests, can start them.
"""

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]  # the checkout: gpu_worker is importable from here


def worker_python() -> str:
    return os.environ.get("GPU_WORKER_PYTHON") or sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, timeout: float, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


@contextmanager
def running(args: list[str], env: dict[str, str], log_path: Path, cwd: Path = ROOT, python: str | None = None):
    """Run ``python *args`` for the duration of the block, its output in log_path; stop it afterwards."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [python or sys.executable, *args],
            cwd=cwd,
            env={**os.environ, "PYTHONPATH": str(ROOT), **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def alive_and(condition, process: subprocess.Popen, log_path: Path):
    """A wait condition that gives up at once, with the process's output, if the process has exited."""

    def check():
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        return condition()

    return check


def wait_for_http(
    url: str, process: subprocess.Popen, log_path: Path, timeout: float = 180, statuses: tuple[int, ...] = (200,)
) -> None:
    def answers() -> bool:
        try:
            return httpx.get(url, timeout=5).status_code in statuses
        except httpx.TransportError:
            return False

    wait_until(alive_and(answers, process, log_path), timeout, interval=0.25, what=url)
