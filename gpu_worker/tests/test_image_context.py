"""The GPU image's files, assembled as Docker would from the build context (gpu_worker/ through its
.dockerignore, then the Dockerfile's COPY lines), start what the image starts: the model server's
and the PyWorker's modules import from the image alone, and no test code is in it."""

import subprocess
import sys
from pathlib import Path

import pytest

from gpu_worker.testing.docker_context import image_files

WORKER = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> Path:
    return image_files(WORKER, WORKER / "Dockerfile", tmp_path_factory.mktemp("gpu-image"))


def test_the_server_and_the_pyworker_import_from_the_image_alone(image):
    imported = subprocess.run(
        [sys.executable, "-c", "import gpu_worker.server, gpu_worker.worker; print(gpu_worker.__file__)"],
        cwd=image,
        env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.splitlines()[-1] == str(image / "gpu_worker" / "__init__.py")  # qwen-tts prints first


def test_the_image_has_its_start_script_and_pins_but_no_tests_or_test_kit(image):
    files = {path.relative_to(image).as_posix() for path in image.rglob("*") if path.is_file()}

    assert {"gpu_worker/onstart.sh", "gpu_worker/requirements.txt", "gpu_worker/server.py"} <= files
    assert not [path for path in files if path.startswith(("gpu_worker/tests/", "gpu_worker/testing/"))]
    assert not [path for path in files if "/.venv/" in path or path.endswith(".pyc")]
