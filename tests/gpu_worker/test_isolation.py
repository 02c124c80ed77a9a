import ast
from pathlib import Path

import gpu_worker

FORBIDDEN = {"django", "rest_framework", "celery", "libread_tts", "synthesis", "voices"}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_gpu_worker_imports_nothing_from_django_or_the_service():
    package = Path(gpu_worker.__file__).parent
    offenders = {
        str(path.relative_to(package)): sorted(imported_roots(path) & FORBIDDEN) for path in package.rglob("*.py")
    }

    assert {name: roots for name, roots in offenders.items() if roots} == {}
