"""The model server as tests run it: tiny checkpoints, loopback, offline."""

import subprocess
from dataclasses import dataclass
from pathlib import Path

import httpx

from gpu_worker.testing.processes import ROOT, free_port, running, wait_for_http, worker_python
from gpu_worker.testing.pyworker import INSTANCE_ID


def build_tiny_checkpoints(root: Path) -> dict[str, Path]:
    """Both tiny checkpoints, written by the real command line entry point, in parallel."""
    paths = {kind: root / kind for kind in ("base", "custom_voice")}
    builds = [
        subprocess.Popen(
            [worker_python(), "-m", "gpu_worker.testing.tiny_model", str(path), "--kind", kind],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for kind, path in paths.items()
    ]
    for build in builds:
        output, _ = build.communicate(timeout=300)
        if build.returncode != 0:
            raise RuntimeError(output.decode())
    return paths


@dataclass
class ModelServer:
    url: str
    model_log: Path
    checkpoints: dict[str, Path]
    decoder: str | None = None  # TTS_DECODER, when the test set it

    def post(self, path: str, **kwargs) -> httpx.Response:
        return httpx.post(self.url + path, timeout=120, **kwargs)


def model_server_env(port: int, model_log: Path, clone_model: Path | None, preset_model: Path | None) -> dict:
    return {
        "PORT": str(port),
        "TTS_HOST": "127.0.0.1",
        "MODEL_LOG": str(model_log),
        "TTS_MODEL": str(clone_model or ""),
        "TTS_PRESET_MODEL": str(preset_model or ""),
        # The instance's id, as Vast.ai gives it to the model server and the PyWorker alike.
        "CONTAINER_ID": INSTANCE_ID,
        "HF_HUB_OFFLINE": "1",
        # Building the static cache's masks takes time per position on CPU; test texts need few.
        "TTS_GRAPH_MAX_SEQ_LEN": "512",
    }


def server_module(decoder: str | None) -> str:
    """The model server's entry point: with the graph code run eagerly where a test asks for graphs."""
    return "gpu_worker.server" if decoder in (None, "batched") else "gpu_worker.testing.eager_graphs"


def start_model_server(
    tmp_path: Path,
    clone_model: Path | None,
    preset_model: Path | None,
    checkpoints,
    decoder: str | None = None,
    **env_overrides: str,
):
    """Generator for a fixture: a running model server, stopped when the fixture ends.

    ``decoder`` sets TTS_DECODER (graphs and auto decode on the eager graph code); unset, the
    server decides as in production, which on CPU means batched.
    """
    port = free_port()
    model_log = tmp_path / "model.log"
    env = {**model_server_env(port, model_log, clone_model, preset_model), **env_overrides}
    if decoder:
        env["TTS_DECODER"] = decoder
    log_path = tmp_path / "server.out"
    with running(["-m", server_module(decoder)], env, log_path, python=worker_python()) as process:
        wait_for_http(f"http://127.0.0.1:{port}/health", process, log_path)
        yield ModelServer(f"http://127.0.0.1:{port}", model_log, checkpoints, decoder)
