"""``python -m synthesis.management.tether <module> [args]``: ``python -m <module> [args]``, tethered.

The process dies when the process that started it dies, however that one dies (a closed
terminal, SIGKILL, a crash), and so does every process it forks, down the tree: gunicorn's
workers, Celery's pool and its beat. A parent-death signal is not inherited across fork, and
each of ``make run``'s children runs in a process group of its own, so nothing else would reach
the grandchildren once their parent is gone.

The starting process gives its pid in ``TETHER_PARENT_PID``: a parent that dies before the tether
holds is seen at once. Imports only the standard library: the GPU worker's interpreter runs it too.
"""

import ctypes
import os
import runpy
import signal
import sys
import threading
import time

PARENT_PID_VARIABLE = "TETHER_PARENT_PID"
PR_SET_PDEATHSIG = 1
ORPHAN_POLL_SECONDS = 0.5

this_process = os.getpid()


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def watch_for_orphaning(parent: int) -> None:
    """Where the kernel has no parent-death signal: look for a new parent twice a second."""
    while os.getppid() == parent:
        time.sleep(ORPHAN_POLL_SECONDS)
    die()


def tether_to(parent: int) -> None:
    # Linux sends the signal when the thread that forked this process ends. In make run's tree
    # that is a main thread, but for a pool process that Celery's pool started again after one
    # died: its pool's supervisor thread, which ends with the pool.
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
        if os.getppid() != parent:
            die()
    else:
        threading.Thread(target=watch_for_orphaning, args=(parent,), daemon=True).start()


def tether_forked_child() -> None:
    global this_process
    parent, this_process = this_process, os.getpid()
    tether_to(parent)


def main() -> None:
    tether_to(int(os.environ.pop(PARENT_PID_VARIABLE)))
    os.register_at_fork(after_in_child=tether_forked_child)
    sys.argv = sys.argv[1:]  # as `python -m <module>` leaves it: runpy puts the module's path first
    runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
