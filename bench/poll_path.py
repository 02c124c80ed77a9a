"""The poll path and dispatch, measured through the real stack on this machine.

    python -m bench.poll_path [--databases embedded,postgres] [--seconds 5] [--label NAME] [--json OUT]

For each database it starts the service as `make run` does (gunicorn, a Celery worker, the model
server on tiny checkpoints behind a recording proxy) and measures:

- status polls per second of a finished job at 1 and 16 connections, with and without
  ``If-None-Match``, beside a bare Django view on the same server (the floor), and the server's
  own median time per request from its access log;
- a lone one-segment job, polled every 10 ms: POST to the task starting, to the request reaching
  the GPU worker, the worker's time, and its answer to the segment being visible;
- LibRead's chapter: 2,700 characters posted as 6 jobs of at most 500, each polled every 500 ms
  as its client does: when the first segment is playable and when the whole chapter is.

``embedded`` is the embedded defaults (SQLite, the filesystem broker); ``postgres`` is PostgreSQL
on 127.0.0.1 with Redis. Each database is measured in a process of its own.
"""

import argparse
import http.client
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
from aiohttp import ClientSession, web

from gpu_worker.testing.loopback import LoopbackServer
from gpu_worker.testing.model_server import build_tiny_checkpoints, start_model_server
from gpu_worker.testing.processes import ROOT, free_port, running, wait_for_http, wait_until

SENTENCES = [
    "The rain had not stopped for three days, and the river below the old mill was rising faster than anyone "
    "in the village could remember.",
    "She folded the letter twice, slipped it into the pocket of her coat, and walked out into the cold morning.",
    "Cultivation, the elder said, is not a matter of strength alone.",
    "By the time the caravan reached the pass, the sun was already setting behind the mountains, and the guide "
    "insisted that they make camp at once.",
    "He laughed, a short and surprised sound, as if he had forgotten he was able to.",
]
CHAPTER = " ".join(SENTENCES[n % len(SENTENCES)] for n in range(24))  # 2,569 characters: 6 of its jobs
SENTENCE_END = re.compile(r"[.!?][\"'”’]?\s+(?=[A-Z])")
LIBREAD_CHUNK = 500
POSTGRES_DATABASE = "libread_tts_bench"
DATABASES = {
    "embedded": {},
    "postgres": {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{POSTGRES_DATABASE}",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/8",
        "CACHE_URL": "redis://127.0.0.1:6379/9",
        "SECRET_KEY": "libread-tts-benchmark-only",
    },
}


class RecordingProxy(LoopbackServer):
    """Forwards to the model server, noting when each synthesis request came in and went out."""

    def __init__(self, target: str):
        super().__init__()
        self.target = target
        self.calls: list[tuple[float, float]] = []

    def routes(self):
        return [web.route("*", "/{path:.*}", self._forward)]

    async def _forward(self, request: web.Request) -> web.Response:
        arrived, body = time.time(), await request.read()
        async with (
            ClientSession() as session,
            session.request(
                request.method, self.target + request.path_qs, data=body, headers=request.headers
            ) as answer,
        ):
            reply = web.Response(body=await answer.read(), status=answer.status, content_type=answer.content_type)
        if request.path == "/synthesize":
            self.calls.append((arrived, time.time()))
        return reply


def libread_chunks(text: str) -> list[str]:
    """Cut as LibRead's client does for this engine (``chunkText``, research/peers.md §1.6): at most
    500 characters, at a paragraph past half of that, else a sentence end past 30%, else a space."""
    chunks = []
    while len(text) > LIBREAD_CHUNK:
        window = text[:LIBREAD_CHUNK]
        paragraph = window.rfind("\n\n")
        sentences = [end.end() for end in SENTENCE_END.finditer(text[: LIBREAD_CHUNK + 1])]
        if paragraph > LIBREAD_CHUNK * 0.5:
            cut = paragraph
        elif sentences and sentences[-1] > LIBREAD_CHUNK * 0.3:
            cut = sentences[-1]
        else:
            cut = window.rfind(" ") if window.rfind(" ") > 0 else LIBREAD_CHUNK
        chunks.append(text[:cut].strip())
        text = text[cut:].lstrip()
    return [*chunks, text] if text else chunks


def service_env(database: str, workdir: Path) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "TTS_VAR_DIR": str(workdir / "var"),
        "TTS_JOB_CREATE_RATE": "1000000/min",
        "TTS_MAX_ACTIVE_JOBS": "1000000",
        "TTS_SEGMENT_CACHE": "false",  # each repeat posts the same chapter: every one goes to the GPU
        "LOG_LEVEL": "WARNING",
        **DATABASES[database],
    }


def reset_database(database: str) -> None:
    if database != "postgres":
        return
    for statement in (f"drop database if exists {POSTGRES_DATABASE}", f"create database {POSTGRES_DATABASE}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", statement], check=True)
    for db in ("8", "9"):
        subprocess.run(["redis-cli", "-n", db, "flushdb"], check=True, capture_output=True)


@contextmanager
def service(database: str, workdir: Path):
    """The stack on one database: its base URL, an API key, and the proxy before the model server."""
    os.environ.update(service_env(database, workdir))
    reset_database(database)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)
    models = Path(os.environ.get("BENCH_MODELS", ROOT / "var" / "bench" / "models"))
    checkpoints = build_tiny_checkpoints(models) if not (models / "base" / "config.json").exists() else None
    checkpoints = checkpoints or {kind: models / kind for kind in ("base", "custom_voice")}
    with ExitStack() as stack:
        model_server = stack.enter_context(
            contextmanager(start_model_server)(workdir, checkpoints["base"], checkpoints["custom_voice"], checkpoints)
        )
        proxy = RecordingProxy(model_server.url).start()
        stack.callback(proxy.stop)
        env = {"GPU_WORKER_URL": proxy.url}
        celery = ["-m", "celery", "-A", "libread_tts", "worker", "-Q", "synthesis,default", "-c", "2", "-l", "warning"]
        stack.enter_context(running(celery, env, workdir / "celery.out"))
        port = free_port()
        gunicorn = [
            *("-m", "gunicorn", "libread_tts.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"),
            *(
                "--threads",
                "4",
                "--access-logfile",
                str(workdir / "access.log"),
                "--access-logformat",
                "%(U)s %(s)s %(D)s",
            ),
        ]
        web_process = stack.enter_context(running(gunicorn, env, workdir / "web.out"))
        wait_for_http(f"http://127.0.0.1:{port}/bench/floor", web_process, workdir / "web.out", timeout=60)
        yield f"http://127.0.0.1:{port}", api_key(), proxy


def api_key() -> str:
    import django

    django.setup()
    from accounts.services import account_get_or_create, api_key_create

    return api_key_create(account=account_get_or_create(name="bench"), name="bench")[1]


def poll_rate(base_url: str, path: str, headers: dict, connections: int, seconds: float) -> dict:
    """Requests per second and median latency of GETs on one path, each connection kept alive."""
    host, port = base_url.removeprefix("http://").split(":")
    deadline = time.monotonic() + seconds

    def one_connection() -> tuple[list[float], set[int]]:
        connection, latencies, statuses = http.client.HTTPConnection(host, int(port)), [], set()
        while time.monotonic() < deadline:
            started = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            latencies.append(time.perf_counter() - started)
            statuses.add(response.status)
        return latencies, statuses

    with ThreadPoolExecutor(connections) as pool:
        runs = list(pool.map(lambda _: one_connection(), range(connections)))
    latencies = [latency for run, _ in runs for latency in run]
    return {
        "requests_per_second": round(len(latencies) / seconds),
        "latency_p50_ms": round(statistics.median(latencies) * 1000, 2),
        "statuses": sorted(set().union(*(statuses for _, statuses in runs))),
    }


def server_times(access_log: Path, offset: int, path: str) -> float | None:
    """The server's median time for ``path`` in the access log written since ``offset``, in ms."""
    with access_log.open() as log:
        log.seek(offset)
        times = [int(line.split()[2]) / 1000 for line in log if line.split()[:1] == [path]]
    return round(statistics.median(times), 3) if times else None


def poll_path(base_url: str, key: str, workdir: Path, seconds: float) -> list[dict]:
    """Polls of a finished job against the floor, at 1 and 16 connections, with and without a validator."""
    with httpx.Client(base_url=f"{base_url}/api/tts/v1/tts", headers={"Authorization": f"Bearer {key}"}) as api:
        job_id = api.post("/jobs", json={"text": "A finished job to poll."}).json()["job_id"]
        wait_until(lambda: api.get(f"/jobs/{job_id}").json()["status"] == "complete", 60, what="the job")
        etag = api.get(f"/jobs/{job_id}").headers.get("ETag")
    job_path = f"/api/tts/v1/tts/jobs/{job_id}"
    cases = [("floor", "/bench/floor", {}), ("status poll", job_path, {"Authorization": f"Bearer {key}"})]
    if etag:
        cases.append(
            ("status poll, If-None-Match", job_path, {"Authorization": f"Bearer {key}", "If-None-Match": etag})
        )
    rows = []
    for name, path, headers in cases:
        for connections in (1, 16):
            offset = (workdir / "access.log").stat().st_size
            measured = poll_rate(base_url, path, headers, connections, seconds)
            measured["server_p50_ms"] = server_times(workdir / "access.log", offset, path)
            rows.append({"case": name, "connections": connections, **measured})
    return rows


def first_segment_seen(api: httpx.Client, job_id: str, interval: float, deadline: float) -> float:
    """When a poller every ``interval`` seconds first sees the job's first segment ready."""
    while time.monotonic() < deadline:
        segments = api.get(f"/jobs/{job_id}").json()["segments"]
        if segments and segments[0]["status"] == "ready":
            return time.time()
        time.sleep(interval)
    raise TimeoutError(f"job {job_id}'s first segment never became ready")


def lone_job(api: httpx.Client, proxy: RecordingProxy) -> dict:
    """One one-segment job, polled every 10 ms: where the time from POST to playable goes."""
    from synthesis.models import SynthesisJob

    proxy.calls.clear()
    posted = time.time()
    job_id = api.post("/jobs", json={"text": "Hello there, reader."}).json()["job_id"]
    seen = first_segment_seen(api, job_id, 0.01, time.monotonic() + 60)
    job = SynthesisJob.objects.get(public_id=job_id)
    arrived, answered = proxy.calls[0]
    return {
        "post_to_task_start_ms": (job.started_at.timestamp() - posted) * 1000,
        "task_start_to_worker_ms": (arrived - job.started_at.timestamp()) * 1000,
        "worker_ms": (answered - arrived) * 1000,
        "answer_to_visible_ms": (seen - answered) * 1000,
        "post_to_visible_ms": (seen - posted) * 1000,
        "overhead_ms": (seen - posted - (answered - arrived)) * 1000,
    }


def chapter(api: httpx.Client) -> dict:
    """LibRead's chapter: its chunks posted as jobs back to back, each polled every 500 ms."""
    posted = time.time()
    jobs = [api.post("/jobs", json={"text": chunk}).json()["job_id"] for chunk in libread_chunks(CHAPTER)]
    posts_done = time.time()
    first_audio = whole = None
    deadline = time.monotonic() + 300
    while whole is None and time.monotonic() < deadline:
        states = [api.get(f"/jobs/{job}").json() for job in jobs]
        if first_audio is None and states[0]["segments"][0]["status"] == "ready":
            first_audio = time.time() - posted
        if all(state["status"] == "complete" for state in states):
            whole = time.time() - posted
        time.sleep(0.5)
    return {"jobs": len(jobs), "posts_s": posts_done - posted, "first_audio_s": first_audio, "whole_chapter_s": whole}


def measure(database: str, seconds: float, repeats: int) -> dict:
    with tempfile.TemporaryDirectory() as directory, service(database, Path(directory)) as (base_url, key, proxy):
        workdir = Path(directory)
        results = {"database": database, "polls": poll_path(base_url, key, workdir, seconds)}
        with httpx.Client(
            base_url=f"{base_url}/api/tts/v1/tts", headers={"Authorization": f"Bearer {key}"}, timeout=30
        ) as api:
            lone = [lone_job(api, proxy) for _ in range(repeats)]
            results["lone_job_ms"] = {name: round(statistics.median(run[name] for run in lone), 1) for name in lone[0]}
            chapters = [chapter(api) for _ in range(repeats)]
            results["chapter"] = {
                name: round(statistics.median(run[name] for run in chapters), 2) for name in chapters[0]
            }
        return results


def table(report: dict) -> str:
    lines = [f"{report['label']}: {report['machine']}, {report['date']}"]
    for run in report["runs"]:
        lines += [
            f"\n{run['database']}",
            "| case | connections | requests/s | client p50 ms | server p50 ms | statuses |",
            "|---|---:|---:|---:|---:|---|",
        ]
        lines += [
            f"| {row['case']} | {row['connections']} | {row['requests_per_second']} | {row['latency_p50_ms']} "
            f"| {row['server_p50_ms']} | {', '.join(map(str, row['statuses']))} |"
            for row in run["polls"]
        ]
        lone, book = run["lone_job_ms"], run["chapter"]
        lines.append("lone job (ms): " + ", ".join(f"{name} {value}" for name, value in lone.items()))
        lines.append("chapter (s): " + ", ".join(f"{name} {value}" for name, value in book.items()))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="embedded,postgres")
    parser.add_argument("--seconds", type=float, default=5.0, help="per poll measurement")
    parser.add_argument("--repeats", type=int, default=3, help="lone jobs and chapters, medians reported")
    parser.add_argument("--label", default="this checkout")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:  # one database, in a process of its own: Django is set up once per process
        print(json.dumps(measure(args.child, args.seconds, args.repeats)))
        return
    runs = []
    for database in args.databases.split(","):
        command = [sys.executable, "-m", "bench.poll_path", "--child", database, "--seconds", str(args.seconds)]
        output = subprocess.run([*command, "--repeats", str(args.repeats)], cwd=ROOT, check=True, capture_output=True)
        runs.append(json.loads(output.stdout.decode().strip().splitlines()[-1]))
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    report = {"label": args.label, "machine": machine, "date": time.strftime("%Y-%m-%d"), "runs": runs}
    print(table(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
