"""``make run``: the whole service on one machine, in the foreground, until interrupted.

Starts a local GPU worker (the tiny random-weight checkpoints unless TTS_MODEL or
TTS_PRESET_MODEL say otherwise), the web server and a Celery worker with beat, after migrating.
It prints an API key to use and a curl line to submit a job.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from accounts.models import ApiKey
from accounts.services import account_get_or_create, api_key_create

LOCAL_ACCOUNT = "local"
NOISE_NOTICE = (
    "The GPU worker runs tiny random-weight checkpoints: jobs complete, but the audio is noise.\n"
    "For speech, on a machine that can download from the Hugging Face hub (a GPU helps a lot):\n"
    "  TTS_MODEL=Qwen/Qwen3-TTS-12Hz-1.7B-Base TTS_PRESET_MODEL=Qwen/Qwen3-TTS-12Hz-1.7B-CustomVoice make run"
)


def worker_python() -> str:
    """The GPU worker runs in its own virtual environment (torch, qwen-tts), which the Makefile names."""
    return os.environ.get("GPU_WORKER_PYTHON") or sys.executable


def stop_on_signal(signum, frame):
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Run the web server, a Celery worker with beat, and a local GPU worker, until interrupted."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--worker-port", type=int, default=int(os.environ.get("GPU_WORKER_PORT", "8091")))

    def handle(self, *args, host: str, port: int, worker_port: int, **options):
        signal.signal(signal.SIGTERM, stop_on_signal)
        call_command("migrate", interactive=False, verbosity=0)
        worker_url = f"http://127.0.0.1:{worker_port}"
        env = {**os.environ, "GPU_WORKER_URL": worker_url, "TTS_DEFAULT_ENGINE": "local", "PYTHONUNBUFFERED": "1"}
        worker_env = {**env, "PORT": str(worker_port), "TTS_HOST": "127.0.0.1", **self.models()}
        processes = {
            "gpu_worker": [worker_python(), "-m", "gpu_worker.server"],
            "celery": [
                *(sys.executable, "-m", "celery", "-A", "libread_tts", "worker", "--beat"),
                *("-Q", "synthesis,default", "--concurrency", "2", "--loglevel", "info"),
            ],
            "web": [
                *(sys.executable, "-m", "gunicorn", "libread_tts.wsgi", "--bind", f"{host}:{port}"),
                *("--workers", "2", "--threads", "4", "--access-logfile", "-"),
            ],
        }
        running = {
            name: subprocess.Popen(command, env=worker_env if name == "gpu_worker" else env)
            for name, command in processes.items()
        }
        try:
            self.announce(host, port, worker_url)
            while all(process.poll() is None for process in running.values()):
                time.sleep(0.5)
            stopped = next(name for name, process in running.items() if process.poll() is not None)
            self.stderr.write(f"{stopped} exited with {running[stopped].returncode}; stopping the rest.")
        except KeyboardInterrupt:
            self.stdout.write("Stopping.")
        finally:
            for process in running.values():
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in running.values():
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()

    def models(self) -> dict[str, str]:
        if os.environ.get("TTS_MODEL") or os.environ.get("TTS_PRESET_MODEL"):
            return {}
        models = {}
        for kind, variable in (("base", "TTS_MODEL"), ("custom_voice", "TTS_PRESET_MODEL")):
            directory = Path(settings.VAR_DIR) / "models" / f"tiny-{kind}"
            if not (directory / "config.json").exists():
                subprocess.run(
                    [worker_python(), "-m", "gpu_worker.testing.tiny_model", str(directory), "--kind", kind], check=True
                )
            models[variable] = str(directory)
        self.stdout.write(self.style.WARNING(NOISE_NOTICE))
        return {**models, "HF_HUB_OFFLINE": "1"}

    def local_key(self) -> str:
        """One key for local use, kept in var/ so every run prints the same one."""
        path = Path(settings.VAR_DIR) / "local_api_key"
        if path.exists():
            key = path.read_text().strip()
            if ApiKey.objects.filter(digest=ApiKey.digest_of(key), revoked_at__isnull=True).exists():
                return key
        _, key = api_key_create(account=account_get_or_create(name=LOCAL_ACCOUNT), name="make run")
        path.write_text(key)
        path.chmod(0o600)
        return key

    def announce(self, host: str, port: int, worker_url: str) -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{worker_url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(1)
        key = self.local_key()
        base = f"http://{host}:{port}/api/tts/v1/tts"
        self.stdout.write(
            self.style.SUCCESS(f"\nlibread-tts is up on http://{host}:{port}  (admin: /admin/, health: {base}/health)")
        )
        self.stdout.write(f"API key: {key}\nSubmit a job:\n")
        self.stdout.write(
            f"  curl -s -X POST {base}/jobs -H 'Authorization: Bearer {key}' -H 'Content-Type: application/json' "
            '-d \'{"text": "Hello from LibRead. This is the first chapter.", "language": "English"}\''
        )
        self.stdout.write(
            f"Then poll {base}/jobs/<job_id> and fetch {base}/jobs/<job_id>/audio.wav with the same header.\n"
        )
