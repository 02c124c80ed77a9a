"""``make run``: the whole service on one machine, in the foreground, until interrupted.

Starts a local GPU worker (the tiny random-weight checkpoints unless TTS_MODEL or
TTS_PRESET_MODEL say otherwise), the web server and a Celery worker with beat, after checking
that their ports are free and migrating, and keeps them running
(``synthesis/management/supervisor.py``) until SIGINT, SIGTERM or SIGHUP (a closed terminal).
Once its own GPU worker is healthy (the worker reports this run's identity: another process on
the port is never taken for it) it prints an API key, a curl line to submit a job and how to log
in to the admin.
"""

import logging
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from accounts.models import ApiKey
from accounts.services import account_get_or_create, api_key_create
from synthesis.management.ports import port_problem
from synthesis.management.supervisor import Child, Supervisor

LOCAL_ACCOUNT = "local"
ADMIN_USER = "admin"
WORKER_PATIENCE_SECONDS = 300
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


@dataclass(frozen=True)
class LocalWorker:
    """The GPU worker a run starts: where it listens, the identity it reports, the token it requires."""

    url: str
    instance_id: str
    token: str


class Command(BaseCommand):
    help = "Run the web server, a Celery worker with beat, and a local GPU worker, until interrupted."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--worker-port", type=int, default=int(os.environ.get("GPU_WORKER_PORT", "8091")))

    def handle(self, *args, host: str, port: int, worker_port: int, **options):
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, stop_on_signal)
        self.check_ports_free(host, port, worker_port)
        logging.getLogger("httpx").setLevel(logging.WARNING)  # the health polls below
        call_command("migrate", interactive=False, verbosity=0)
        worker = LocalWorker(
            url=f"http://127.0.0.1:{worker_port}",
            # Names the worker this run starts, in its health: another on the port is never taken for it.
            instance_id=f"make-run-{secrets.token_hex(6)}",
            # One per run, unless set: a worker of another run refuses this run's jobs.
            token=os.environ.get("GPU_WORKER_TOKEN") or secrets.token_urlsafe(32),
        )
        supervisor = Supervisor(self.children(host, port, worker_port, worker), Path(settings.VAR_DIR) / "log")
        try:
            supervisor.start_all()
            if self.worker_healthy(supervisor, worker):
                self.announce(host, port)
            while True:
                supervisor.keep_running()
                time.sleep(0.5)
        except KeyboardInterrupt:
            self.stdout.write("Stopping.")
        finally:
            supervisor.stop_all()

    def check_ports_free(self, host: str, port: int, worker_port: int) -> None:
        """Stop before starting anything when a port is taken, rather than work with whatever answers there."""
        for bind_host, bound_port, what, variable in (
            (host, port, "The web server", "PORT"),
            ("127.0.0.1", worker_port, "The GPU worker", "GPU_WORKER_PORT"),
        ):
            problem = port_problem(bind_host, bound_port)
            if problem:
                raise CommandError(
                    f"{what} cannot start: {problem}. Stop that process, "
                    f"or choose another port with {variable}=<port> make run."
                )

    def children(self, host: str, port: int, worker_port: int, worker: LocalWorker) -> list[Child]:
        env = {
            **os.environ,
            "GPU_WORKER_URL": worker.url,
            "GPU_WORKER_TOKEN": worker.token,
            "TTS_DEFAULT_ENGINE": "local",
            "PYTHONUNBUFFERED": "1",
        }
        worker_env = {
            **env,
            "PORT": str(worker_port),
            "TTS_HOST": "127.0.0.1",
            "CONTAINER_ID": worker.instance_id,
            **self.models(),
        }
        celery = ["celery", "-A", "libread_tts", "--quiet", "worker", "--beat", "-Q", "synthesis,default"]
        web = ["gunicorn", "libread_tts.wsgi", "--config", "python:libread_tts.gunicorn", "--bind", f"{host}:{port}"]
        return [
            Child("gpu_worker", worker_python(), ["gpu_worker.server"], worker_env),
            Child("celery", sys.executable, [*celery, "--concurrency", "2", "--loglevel", "info"], env),
            # No access log: LibRead polls every job twice a second.
            Child("web", sys.executable, [*web, "--access-logfile", "/dev/null"], env),
        ]

    def worker_healthy(self, supervisor: Supervisor, worker: LocalWorker) -> bool:
        """Wait for this run's GPU worker to be healthy, keeping the others running; say why when it never is."""
        deadline, last = time.monotonic() + WORKER_PATIENCE_SECONDS, "no answer yet"
        headers = {"Authorization": f"Bearer {worker.token}"}
        while time.monotonic() < deadline:
            try:
                answer = httpx.get(f"{worker.url}/health", headers=headers, timeout=2)
                identity = answer.json().get("instance_id") if answer.status_code == 200 else None
                if identity == worker.instance_id:
                    return True
                last = f"{answer.status_code}: {answer.text[:200]}"
            except httpx.TransportError as exc:
                last = f"not reachable ({exc})"
            except ValueError:
                last = f"{answer.status_code}, not JSON: {answer.text[:200]}"
            supervisor.keep_running()
            time.sleep(1)
        self.stderr.write(
            f"This run's GPU worker ({worker.instance_id}) is not healthy at {worker.url} after "
            f"{WORKER_PATIENCE_SECONDS} s (last: {last}).\n"
            f"Its output is above and in {Path(settings.VAR_DIR) / 'log' / 'gpu_worker.log'}. The service runs: "
            "jobs wait in `queued` until the worker is ready."
        )
        return False

    def models(self) -> dict[str, str]:
        if os.environ.get("TTS_MODEL") or os.environ.get("TTS_PRESET_MODEL"):
            return {}
        models = {}
        for kind, variable in (("base", "TTS_MODEL"), ("custom_voice", "TTS_PRESET_MODEL")):
            directory = Path(settings.VAR_DIR) / "models" / f"tiny-{kind}"
            if not (directory / "config.json").exists():
                self.stdout.write(f"Building the tiny {kind} checkpoint (once) in {directory} ...")
                command = [worker_python(), "-m", "gpu_worker.testing.tiny_model", str(directory), "--kind", kind]
                built = subprocess.run(command, capture_output=True, text=True)
                if built.returncode != 0:
                    raise CommandError(f"Building the tiny {kind} checkpoint failed:\n{built.stdout}{built.stderr}")
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

    def admin_login(self) -> str:
        """How to log in to the admin: a superuser is made on the first run, its password shown once."""
        users = get_user_model().objects
        if users.filter(is_superuser=True).exists():
            return f"log in as your superuser (forgot it? python manage.py changepassword {ADMIN_USER})"
        password = secrets.token_urlsafe(12)
        users.create_superuser(ADMIN_USER, password=password)
        return f"user {ADMIN_USER}, password {password} (shown this once)"

    def announce(self, host: str, port: int) -> None:
        key = self.local_key()
        root = f"http://{host}:{port}"
        base = f"{root}/api/tts/v1/tts"
        self.stdout.write(self.style.SUCCESS(f"\nlibread-tts is up on {root}  (health: {base}/health)"))
        self.stdout.write(f"Admin: {root}/admin/ ({self.admin_login()})\nAPI docs: {root}/api/tts/v1/docs")
        self.stdout.write(f"API key: {key}\nSubmit a job:\n")
        self.stdout.write(
            f"  curl -s -X POST {base}/jobs -H 'Authorization: Bearer {key}' -H 'Content-Type: application/json' "
            '-d \'{"text": "Hello from LibRead. This is the first chapter.", "language": "English"}\''
        )
        self.stdout.write(
            f"Then poll {base}/jobs/<job_id> and fetch {base}/jobs/<job_id>/audio.wav with the same header.\n"
        )
