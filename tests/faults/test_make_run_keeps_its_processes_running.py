"""`make run` (manage.py run_local) on embedded defaults: it announces itself once its own GPU
worker (one reporting this run's identity) is healthy, labels each process's lines and keeps
third-party chatter out of the console, and starts again a process that dies, as compose does,
so jobs still complete."""

import os
import re
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from gpu_worker.testing.processes import ROOT, free_port, wait_until

UP = "libread-tts is up on"
BANNER_END = "Then poll"


def children_of(pid: int) -> dict[int, str]:
    """The process's children, by pid, with their command lines."""
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found[int(child)] = Path(f"/proc/{child}/cmdline").read_text().replace("\0", " ")
    return found


def environment_of(pid: int) -> dict[str, str]:
    """The environment a process was started with."""
    entries = Path(f"/proc/{pid}/environ").read_text().split("\0")
    return dict(entry.split("=", 1) for entry in entries if "=" in entry)


@contextmanager
def run_local(directory: Path, tiny_checkpoints: dict, port: int, worker_port: int):
    """run_local on its own embedded defaults (its own SQLite, broker and files, not the tests'),
    its output in ``directory / "console.out"``; interrupted at the end if it still runs."""
    env = {
        **os.environ,
        "TTS_VAR_DIR": str(directory / "var"),
        **{name: "" for name in ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "GPU_WORKER_TOKEN")},
        "DJANGO_SETTINGS_MODULE": "libread_tts.settings",
        "TTS_MODEL": str(tiny_checkpoints["base"]),
        "TTS_PRESET_MODEL": str(tiny_checkpoints["custom_voice"]),
        "HF_HUB_OFFLINE": "1",
        "PYTHONUNBUFFERED": "1",
    }
    with (directory / "console.out").open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "run_local", "--port", str(port), "--worker-port", str(worker_port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def make_run(tiny_checkpoints, tmp_path_factory):
    directory = tmp_path_factory.mktemp("make-run")
    port, worker_port = free_port(), free_port()
    console = directory / "console.out"
    with run_local(directory, tiny_checkpoints, port, worker_port) as process:
        banner = lambda: BANNER_END in console.read_text() or process.poll() is not None  # noqa: E731
        wait_until(banner, 180, what="make run's banner")
        yield process, console, f"http://127.0.0.1:{port}", directory / "var"


def test_it_announces_a_key_and_an_admin_login_once_the_gpu_worker_is_healthy(make_run):
    process, console, base_url, _ = make_run
    text = console.read_text()

    assert process.poll() is None, text
    assert "gpu_worker | " in text
    assert text.index("gpu_worker.model: loaded") < text.index(UP)
    assert re.search(r"API key: lrt_\S+", text)
    assert re.search(r"Admin: \S+/admin/ \(user admin, password \S+ \(shown this once\)\)", text)
    assert httpx.get(f"{base_url}/api/tts/v1/tts/health").status_code == 200


def test_its_gpu_worker_reports_an_identity_of_this_run_and_every_process_has_one_token_of_this_run(make_run):
    process, *_ = make_run
    children = children_of(process.pid)
    tokens = {environment_of(pid)["GPU_WORKER_TOKEN"] for pid in children}
    (worker,) = [environment_of(pid) for pid, command in children.items() if "gpu_worker.server" in command]
    health = httpx.get(
        f"{worker['GPU_WORKER_URL']}/health", headers={"Authorization": f"Bearer {worker['GPU_WORKER_TOKEN']}"}
    ).json()

    assert re.fullmatch(r"make-run-[0-9a-f]{12}", health["instance_id"])
    assert health["instance_id"] == worker["CONTAINER_ID"]
    assert len(tokens) == 1
    assert len(tokens.pop()) >= 32


def test_third_party_chatter_stays_in_the_log_files(make_run):
    _, console, _, var = make_run
    text = console.read_text()

    assert "flash-attn" not in text
    assert "flash-attn" in (var / "log" / "gpu_worker.log").read_text()
    assert "HTTP Request:" not in text


def test_a_process_that_dies_is_started_again_and_jobs_still_complete(make_run):
    process, console, base_url, _ = make_run
    key = re.search(r"API key: (\S+)", console.read_text()).group(1)
    (celery,) = [pid for pid, command in children_of(process.pid).items() if " celery " in command]

    os.kill(celery, signal.SIGKILL)
    wait_until(lambda: "celery | starting again" in console.read_text(), 30, what="celery to be started again")

    api = httpx.Client(base_url=f"{base_url}/api/tts/v1/tts", headers={"Authorization": f"Bearer {key}"}, timeout=30)
    job = api.post("/jobs", json={"text": "Still here after a crash."}).json()["job_id"]
    deadline = time.monotonic() + 120
    while api.get(f"/jobs/{job}").json()["status"] != "complete":
        assert time.monotonic() < deadline, api.get(f"/jobs/{job}").json()
        time.sleep(0.2)
    assert "celery | exited with -9" in console.read_text()
