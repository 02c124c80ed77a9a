"""`make run` (manage.py run_local) leaves no process behind, however it ends: stopped (SIGTERM),
its terminal closed (SIGHUP) or killed (SIGKILL), within seconds none of its processes runs, its
children's own children (gunicorn's workers, Celery's pool and beat) included."""

import signal
from contextlib import suppress
from pathlib import Path

import pytest

from gpu_worker.testing.processes import free_port, wait_until
from tests.faults.test_make_run_keeps_its_processes_running import children_of, run_local

# The GPU worker; gunicorn and its two workers; Celery, its two pool processes and its beat.
EVERY_PROCESS = 8


def stat_of(pid: int) -> tuple[str, str]:
    """A process's state and start time, which tells it from a later process given the same pid."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return fields[0], fields[19]


def descendants_of(pid: int) -> dict[int, tuple[str, str]]:
    """Every process below ``pid``, by pid, with its start time and command line."""
    found = {}
    with suppress(FileNotFoundError):  # a process that has just ended
        for child, command in children_of(pid).items():
            found[child] = (stat_of(child)[1], command)
            found.update(descendants_of(child))
    return found


def still_running(processes: dict[int, tuple[str, str]]) -> dict[int, str]:
    running = {}
    for pid, (started, command) in processes.items():
        with suppress(FileNotFoundError):
            state, start = stat_of(pid)
            if start == started and state != "Z":  # a zombie has ended, only its parent has not reaped it
                running[pid] = command
    return running


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGTERM, signal.SIGKILL], ids=lambda signum: signum.name)
def test_none_of_its_processes_outlives_it(signum, tiny_checkpoints, tmp_path):
    with run_local(tmp_path, tiny_checkpoints, free_port(), free_port()) as process:
        every_process = lambda: len(descendants_of(process.pid)) >= EVERY_PROCESS  # noqa: E731
        wait_until(every_process, 120, interval=0.5, what="all of make run's processes")
        processes = descendants_of(process.pid)

        process.send_signal(signum)
        process.wait(timeout=20)
        with suppress(TimeoutError):
            wait_until(lambda: not still_running(processes), 5, what="its processes to end")

    assert still_running(processes) == {}, (tmp_path / "console.out").read_text()[-3000:]
    assert len(processes) == EVERY_PROCESS
