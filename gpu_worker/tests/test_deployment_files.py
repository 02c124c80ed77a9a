import re
import shlex
import subprocess
from pathlib import Path

WORKER = Path(__file__).resolve().parents[1]  # the build context of the image
READ_IN_PYTHON = re.compile(
    r"""(?:env_str|env_int|env_float|os\.environ\.get|os\.environ\[|getenv)\(?\s*["']([A-Z_]+)["']"""
)
SET_IN_SHELL = re.compile(r""": "\$\{([A-Z_]+):=""")


def test_the_onstart_script_is_valid_bash():
    result = subprocess.run(["bash", "-n", str(WORKER / "onstart.sh")], capture_output=True, text=True)

    assert result.returncode == 0, result.stderr


def test_every_environment_variable_the_worker_reads_is_documented():
    read = set()
    for path in WORKER.glob("*.py"):
        read |= set(READ_IN_PYTHON.findall(path.read_text()))
    read |= set(SET_IN_SHELL.findall((WORKER / "onstart.sh").read_text()))
    documented = (WORKER / "README.md").read_text()

    assert read, "the patterns still find the variables"
    assert sorted(name for name in read if f"`{name}`" not in documented) == []


def test_the_dockerfile_copies_files_that_exist_and_starts_the_onstart_script():
    lines = (WORKER / "Dockerfile").read_text().splitlines()
    copies = [shlex.split(line)[1:-1] for line in lines if line.startswith("COPY ")]
    command = next(line for line in lines if line.startswith("CMD "))

    assert copies
    assert all((WORKER / source).exists() for sources in copies for source in sources)
    assert "/app/gpu_worker/onstart.sh" in command
    assert Path(WORKER / "onstart.sh").exists()
