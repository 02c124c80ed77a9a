"""The layout: packages import one way down a stack, the GPU worker stands alone, functions stay short.

The service's packages, bottom up. Each may import only itself and the packages below it, at
module level or lazily inside a function: the stack has no cycles to hide.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STACK = ["common", "accounts", "engines", "billing", "voices", "synthesis", "speech", "libread_tts"]
WEB_FRAMEWORK = {"django", "rest_framework", "drf_spectacular", "celery", "kombu"}
GPU_ONLY = {"torch", "torchaudio", "transformers", "qwen_tts", "faster_qwen3_tts", "gpu_worker"}
LONGEST_FUNCTION = 50


def sources(*folders: str) -> list[Path]:
    return sorted(
        path
        for folder in folders
        for path in (ROOT / folder).rglob("*.py")
        if ".venv" not in path.parts and "migrations" not in path.parts
    )


def imports(path: Path) -> set[str]:
    """The modules a file imports, anywhere in it, by their full dotted names."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.add(node.module)
    return found


def root(module: str) -> str:
    return module.split(".")[0]


def test_the_service_packages_import_only_down_the_stack():
    upward = {}
    for level, package in enumerate(STACK):
        allowed_above = set(STACK[level + 1 :])
        for path in sources(package):
            wrong = sorted(module for module in imports(path) if root(module) in allowed_above)
            if wrong:
                upward[str(path.relative_to(ROOT))] = wrong

    assert upward == {}


def test_the_service_never_imports_torch_or_the_gpu_worker():
    offenders = {
        str(path.relative_to(ROOT)): sorted(module for module in imports(path) if root(module) in GPU_ONLY)
        for path in sources(*STACK)
    }

    assert {name: modules for name, modules in offenders.items() if modules} == {}


def test_the_services_tests_use_only_the_gpu_workers_test_kit():
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            module
            for module in imports(path)
            if root(module) in GPU_ONLY and not module.startswith("gpu_worker.testing")
        )
        for path in sources("tests")
    }

    assert {name: modules for name, modules in offenders.items() if modules} == {}


def test_the_gpu_worker_imports_no_web_framework_and_no_service_package():
    forbidden = WEB_FRAMEWORK | set(STACK) | {"tests", "bench"}
    offenders = {
        str(path.relative_to(ROOT)): sorted(module for module in imports(path) if root(module) in forbidden)
        for path in sources("gpu_worker")
    }

    assert {name: modules for name, modules in offenders.items() if modules} == {}


def test_no_function_outside_the_tests_is_over_fifty_lines():
    long_functions = []
    for path in sources(*STACK, "gpu_worker", "bench"):
        if "tests" in path.relative_to(ROOT).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > LONGEST_FUNCTION:
                    long_functions.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)")

    assert long_functions == []


def test_the_checks_see_every_package():
    assert all(sources(package) for package in [*STACK, "gpu_worker", "tests"])
    assert "django.db" in imports(ROOT / "synthesis" / "models.py")
