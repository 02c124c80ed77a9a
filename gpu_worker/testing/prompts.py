"""Clone prompts as a worker running another model would have made them, for tests of rebuilding.

    python -m gpu_worker.testing.prompts MODEL < prompt > retagged

Prompts are torch archives, so the retagging runs in the worker's interpreter; callers without
torch (the service's tests) use ``retagged``.
"""

import io
import subprocess
import sys

from gpu_worker.testing.processes import ROOT, worker_python


def retagged(prompt: bytes, model: str) -> bytes:
    """The prompt's bytes, tagged as built by ``model``."""
    command = [worker_python(), "-m", "gpu_worker.testing.prompts", model]
    return subprocess.run(command, input=prompt, capture_output=True, check=True, cwd=ROOT).stdout


def main() -> None:
    import torch

    stored = torch.load(io.BytesIO(sys.stdin.buffer.read()), weights_only=True)
    stored["model"] = sys.argv[1]
    buffer = io.BytesIO()
    torch.save(stored, buffer)
    sys.stdout.buffer.write(buffer.getvalue())


if __name__ == "__main__":
    main()
