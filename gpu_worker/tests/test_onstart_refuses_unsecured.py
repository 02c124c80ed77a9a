"""On a Vast.ai instance, onstart.sh refuses UNSECURED before it does anything else."""

import os
import subprocess

import pytest

from gpu_worker.testing.processes import ROOT

ONSTART = ROOT / "gpu_worker" / "onstart.sh"


@pytest.mark.parametrize("unsecured", ["true", "True", "1", "yes", "on"])
def test_onstart_refuses_to_start_an_unsecured_worker_on_vast(tmp_path, unsecured):
    log_dir, pyworker_dir = tmp_path / "log", tmp_path / "pyworker"
    env = {
        "PATH": os.environ["PATH"],
        "CONTAINER_ID": "31415926",
        "UNSECURED": unsecured,
        "LOG_DIR": str(log_dir),
        "PYWORKER_DIR": str(pyworker_dir),
        # Were it to go on, nothing it reports or asks for leaves this machine.
        "REPORT_ADDR": "http://127.0.0.1:9",
        "VAST_CONSOLE_URL": "http://127.0.0.1:9",
    }

    result = subprocess.run(["bash", str(ONSTART)], env=env, capture_output=True, text=True, timeout=30)

    assert result.returncode == 1
    assert f"refusing to start with UNSECURED={unsecured} on Vast.ai" in result.stderr
    assert result.stdout == ""
    assert not log_dir.exists(), "it began its set-up before refusing"
    assert not pyworker_dir.exists()
