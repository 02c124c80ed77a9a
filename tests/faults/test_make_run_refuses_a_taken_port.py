"""`make run` (manage.py run_local) stops before it starts anything when one of its ports (the web
server's, the GPU worker's) is taken, and names the process that holds it, rather than work with
whatever answers there."""

import os
import socket

import pytest

from gpu_worker.testing.processes import free_port
from tests.faults.test_make_run_keeps_its_processes_running import run_local


@pytest.mark.parametrize("taken", ["web server", "GPU worker"])
def test_it_exits_naming_the_port_and_the_process_holding_it(taken, tiny_checkpoints, tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        held = holder.getsockname()[1]
        port, worker_port = (held, free_port()) if taken == "web server" else (free_port(), held)
        with run_local(tmp_path, tiny_checkpoints, port, worker_port) as process:
            process.wait(timeout=60)
    console = (tmp_path / "console.out").read_text()

    assert process.returncode != 0
    assert f"The {taken} cannot start: port {held} is in use by pid {os.getpid()} (" in console
    assert not (tmp_path / "var" / "log").exists()  # no process started
    assert not (tmp_path / "var" / "db.sqlite3").exists()  # not even migrated
