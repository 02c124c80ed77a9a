"""The processes of ``make run``, kept running as compose keeps its services.

Each child's output goes, whole, to ``var/log/<name>.log``, and what matters of it to the console
with the child's name before each line. A child that exits is started again after a
backoff that doubles with each quick exit (up to ``MAX_BACKOFF`` seconds) and starts over once
it has run for ``STEADY_SECONDS``. Every child runs tethered (``tether.py``): it and all it forks
die when the supervisor's process does, however that ends.
"""

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from synthesis.management import tether

MAX_BACKOFF = 30
STEADY_SECONDS = 60
# The console shows the service's own log lines, anyone's errors and tracebacks; everything else
# (third-party chatter: access logs, HTTP clients, Celery's and kombu's own, library warnings at
# import) stays in the log files.
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d [\d:,]+ (?P<level>[A-Z]+) (?P<logger>[\w.]+): ")
OURS = re.compile(r"^(?:gpu_worker|libread_tts|synthesis|voices|billing|engines|accounts|common)(?:\.|$)")
ERRORS = {"ERROR", "CRITICAL"}
GUNICORN_ERROR = re.compile(r"^\[[^]]+\] \[\d+\] \[(?:ERROR|CRITICAL)\]")


class ConsoleFilter:
    """Whether a child's line goes to the console. A line that does not start a log record (a
    traceback's, a message's second line) goes where the record it continues went."""

    def __init__(self):
        self.showing = False

    def shows(self, line: str) -> bool:
        record = LOG_LINE.match(line)
        if record:
            self.showing = record["level"] in ERRORS or bool(OURS.match(record["logger"]))
        elif line.startswith("Traceback") or GUNICORN_ERROR.match(line):
            self.showing = True
        elif line.startswith("[") and "] [" in line:  # gunicorn's other lines
            self.showing = False
        return self.showing


@dataclass
class Child:
    """``python -m <module> [args]`` on the interpreter ``python``."""

    name: str
    python: str
    module_and_args: list[str]
    env: dict[str, str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    quick_exits: int = 0
    restart_at: float | None = None
    relay: threading.Thread | None = field(default=None, repr=False)


def group_signal(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # the whole group is gone
        os.killpg(process.pid, signum)


class Supervisor:
    def __init__(self, children: list[Child], log_dir: Path, console: TextIO = sys.stdout):
        self.children = {child.name: child for child in children}
        self.log_dir = log_dir
        self.console = console
        self.width = max(len(name) for name in self.children)
        self.lock = threading.Lock()
        log_dir.mkdir(parents=True, exist_ok=True)

    def say(self, name: str, line: str) -> None:
        # A closed terminal fails every write; the log files still get each line, children still stop.
        with self.lock, contextlib.suppress(OSError):
            self.console.write(f"{name:>{self.width}} | {line}\n")
            self.console.flush()

    def start(self, child: Child) -> None:
        """Call it from the main thread: a child's tether holds to the thread that started it."""
        # A process group of its own: what the child started (Celery's pool and beat) goes with it.
        child.process = subprocess.Popen(
            [child.python, "-m", tether.__name__, *child.module_and_args],
            env={**child.env, tether.PARENT_PID_VARIABLE: str(os.getpid())},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1, start_new_session=True,
        )  # fmt: skip
        child.started_at, child.restart_at = time.monotonic(), None
        child.relay = threading.Thread(target=self.relay, args=(child, child.process), daemon=True)
        child.relay.start()

    def start_all(self) -> None:
        for child in self.children.values():
            self.start(child)

    def relay(self, child: Child, process: subprocess.Popen) -> None:
        console = ConsoleFilter()
        with open(self.log_dir / f"{child.name}.log", "a") as log:
            for line in process.stdout:
                log.write(line)
                log.flush()
                if console.shows(line):
                    self.say(child.name, line.rstrip("\n"))

    def keep_running(self) -> None:
        """Start again what exited, each after its backoff. Call it every so often."""
        now = time.monotonic()
        for child in self.children.values():
            if child.restart_at is not None:
                if now >= child.restart_at:
                    self.say(child.name, "starting again")
                    self.start(child)
                continue
            code = child.process.poll()
            if code is None:
                continue
            group_signal(child.process, signal.SIGKILL)  # what it left behind
            ran = now - child.started_at
            child.quick_exits = 0 if ran >= STEADY_SECONDS else child.quick_exits + 1
            delay = min(2 ** max(child.quick_exits - 1, 0), MAX_BACKOFF)
            self.say(child.name, f"exited with {code} after {ran:.0f} s; starting it again in {delay} s")
            child.restart_at = now + delay

    def stop_all(self, timeout: float = 10) -> None:
        """Ask every child to stop, and kill what still runs after ``timeout`` seconds, all together."""
        running = [child.process for child in self.children.values() if child.process and child.process.poll() is None]
        for process in running:
            group_signal(process, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in running:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(deadline - time.monotonic(), 0))
            group_signal(process, signal.SIGKILL)
        for child in self.children.values():
            if child.relay:
                child.relay.join(5)
