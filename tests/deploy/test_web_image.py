"""The web image's files, assembled as Docker would from the build context, run what the image
runs at build and start, with the production environment the README documents."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from gpu_worker.testing.docker_context import context_files, image_files

ROOT = Path(settings.BASE_DIR)
# README, "Production": what an operator sets.
PRODUCTION_ENVIRONMENT = {
    "SECRET_KEY": "k3Vq9-production-secret-that-is-long-and-random-enough-2f8Zp",
    "ALLOWED_HOSTS": "tts.example.org",
    "HTTPS": "true",
    "DATABASE_URL": "postgres://libread_tts:secret@postgres:5432/libread_tts",
    "CELERY_BROKER_URL": "redis://redis:6379/0",
}


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("web-image")
    return image_files(ROOT, ROOT / "Dockerfile", root)


def run_in_image(image: Path, *arguments: str, **environment: str) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ["PATH"], "TTS_VAR_DIR": str(image.parent / "data"), **environment}
    return subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=image, env=env, capture_output=True, text=True, timeout=120
    )


def test_static_files_are_collected_as_at_build(image):
    built = run_in_image(
        image, "collectstatic", "--no-input", SECRET_KEY="collectstatic", STATIC_ROOT=str(image / "static")
    )

    assert built.returncode == 0, built.stderr
    assert (image / "static" / "admin" / "css" / "base.css").exists()


def test_the_deployment_check_is_clean_with_the_production_environment(image):
    checked = run_in_image(image, "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENVIRONMENT)

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "no issues" in checked.stdout


def test_every_app_of_the_project_is_in_the_image(image):
    apps = [app for app in settings.INSTALLED_APPS if (ROOT / app).is_dir()]

    assert apps
    assert all((image / app / "apps.py").exists() for app in apps)


def test_nothing_local_secret_or_for_development_is_sent(tmp_path):
    for local in (".env", "var/db.sqlite3", ".venv/bin/python", "voices/__pycache__/models.cpython-311.pyc"):
        (tmp_path / local).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / local).write_text("x")
    (tmp_path / ".dockerignore").write_text((ROOT / ".dockerignore").read_text())
    (tmp_path / "voices" / "models.py").write_text("x")

    assert context_files(tmp_path) == ["voices/models.py"]


def test_the_repository_sends_no_tests_worker_or_virtual_environment():
    sent = context_files(ROOT)

    assert "manage.py" in sent
    assert not [path for path in sent if path.split("/")[0] in {"tests", "gpu_worker", "var", ".venv", ".git", "bench"}]
