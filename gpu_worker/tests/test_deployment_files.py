import importlib.metadata
import re
import shlex
import subprocess
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

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


# What the packages installed with --no-deps require but the image leaves out on purpose.
LEFT_OUT = {"gradio": "qwen-tts's demo UI, which the worker never starts"}


def pip_installs() -> list[list[str]]:
    """The arguments of every `pip install` in the Dockerfile's RUN instructions."""
    text = (WORKER / "Dockerfile").read_text().replace("\\\n", " ")
    commands = [part for line in text.splitlines() if line.startswith("RUN ") for part in line[4:].split("&&")]
    return [shlex.split(command)[2:] for command in commands if shlex.split(command)[:2] == ["pip", "install"]]


def requirement_files(arguments: list[str]) -> list[str]:
    return [arguments[i + 1] for i, argument in enumerate(arguments) if argument == "-r"]


def pins(filename: str) -> dict[str, str]:
    """name -> version of every requirement in a file (and the files it includes); each must be `==`."""
    found = {}
    for line in (WORKER / filename).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("-r "):
            found |= pins(line.split()[1])
        elif line:
            requirement = Requirement(line)
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", f"{filename}: {line} is not pinned exactly"
            found[canonicalize_name(requirement.name)] = specifier.version
    return found


def image_files() -> list[str]:
    return [Path(name).name for arguments in pip_installs() for name in requirement_files(arguments)]


def test_the_image_installs_only_requirement_files_and_every_one_pins_exact_versions():
    installs = pip_installs()
    options_with_values = {"-r", "--index-url"}
    loose = [
        argument
        for arguments in installs
        for i, argument in enumerate(arguments)
        if not argument.startswith("-") and arguments[i - 1] not in options_with_values
    ]

    assert image_files() == ["requirements-cuda.txt", "requirements.txt", "requirements-qwen.txt"]
    assert loose == [], "packages named in the Dockerfile instead of a requirement file"
    for name in image_files():
        assert pins(name)


def test_qwen_tts_and_faster_qwen3_tts_are_installed_without_their_own_dependencies():
    (qwen_install,) = [arguments for arguments in pip_installs() if "gpu_worker/requirements-qwen.txt" in arguments]

    assert "--no-deps" in qwen_install
    assert pins("requirements-qwen.txt") == {"qwen-tts": "0.1.1", "faster-qwen3-tts": "0.3.2"}


def test_the_image_pins_satisfy_what_the_no_deps_packages_require():
    image = {name: version for filename in image_files() for name, version in pins(filename).items()}
    unmet = []
    for package in pins("requirements-qwen.txt"):
        for line in importlib.metadata.requires(package):
            requirement = Requirement(line)
            name = canonicalize_name(requirement.name)
            if name in LEFT_OUT or (requirement.marker and not requirement.marker.evaluate({"extra": ""})):
                continue
            if name not in image or image[name] not in requirement.specifier:
                unmet.append(f"{package} needs {line}; the image has {image.get(name, 'nothing')}")

    assert unmet == []


def test_the_test_environment_runs_the_versions_the_image_pins_except_torch():
    image = {name: version for filename in image_files() for name, version in pins(filename).items()}
    tested = pins("requirements-dev.txt") | pins("requirements-qwen.txt")
    # CPU torch differs on purpose: the image's CUDA build has no CPU twin on PyPI (README.md, "Versions").
    differing = {name for name in image if name in tested and tested[name] != image[name]}

    assert differing == {"torch"}
    assert all(importlib.metadata.version(name) == tested[name] for name in pins("requirements-qwen.txt"))
