"""The GPU worker's serving figures, through the model server's HTTP API, in one command.

    python -m bench.gpu_serving [--sizes 0.6b,1.7b] [--decoders graphs,batched] [--out var/bench]

For each model size and decoder it builds a random-weight CustomVoice checkpoint of that size
(gpu_worker/testing/tiny_model.py: the released geometry, nothing downloaded), starts the real
model server with ``TTS_DECODER`` set to that decoder, and measures over HTTP:

- first audio: the wall time of a request for a chapter's first sentence (``first_audio``);
- one stream: a chapter read segment after segment, one request each, as audio seconds per wall
  second (x real time);
- aggregate: 1, 4, 16 and 32 chapters read at once, each as one stream, as audio seconds
  produced per wall second across all of them.

On a machine with CUDA it runs the 0.6B and 1.7B geometries; without, the tiny checkpoints with
the graph code run eagerly (gpu_worker/testing/eager_graphs.py), which measures the serving
code's overhead, not a model's speed. Random weights end a segment at random (about 7 s of
audio on the large geometries), not where its text ends; every figure counts the audio made.
It writes ``bench.json`` and ``bench.md`` (a markdown table) to ``--out``.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
import torch

from gpu_worker.testing.model_server import server_module
from gpu_worker.testing.processes import ROOT, free_port, running, wait_for_http, worker_python
from gpu_worker.worker import BENCHMARK_TEXTS

FIRST_SENTENCE = (
    "The rain had not stopped for three days, and the river below the old mill was rising faster than ever."
)
CONCURRENCY = (1, 4, 16, 32)
VOICE = {"voice": "ryan", "language": "english"}


def checkpoint(size: str) -> Path:
    """A random-weight CustomVoice checkpoint of the size, built once under var/models."""
    directory = ROOT / "var" / "models" / f"bench-{size}-custom_voice"
    if not (directory / "config.json").exists():
        command = ["-m", "gpu_worker.testing.tiny_model", str(directory), "--kind", "custom_voice", "--size", size]
        subprocess.run([worker_python(), *command], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    return directory


def server_env(model: Path, decoder: str, port: int) -> dict[str, str]:
    env = {
        "PORT": str(port),
        "TTS_HOST": "127.0.0.1",
        "TTS_MODEL": "",
        "TTS_PRESET_MODEL": str(model),
        "TTS_DECODER": decoder,
        "TTS_MAX_BATCH": str(max(CONCURRENCY)),
        "HF_HUB_OFFLINE": "1",
    }
    if not torch.cuda.is_available():
        env["TTS_GRAPH_MAX_SEQ_LEN"] = "512"  # the eager graph code builds its masks slowly on CPU
    return env


def speak(url: str, index: int, text: str, seed: int) -> tuple[float, float]:
    """One segment in a request of its own: (wall seconds, audio seconds; 0 if it failed a guard)."""
    body = {"segments": [{"index": index, "text": text}], "seed": seed, "first_audio": index == 0, **VOICE}
    started = time.perf_counter()
    answer = httpx.post(url + "/synthesize", json=body, timeout=900).json()
    wall = time.perf_counter() - started
    (segment,) = answer["segments"]
    return wall, segment.get("duration", 0.0)


def chapter(url: str, number: int, segments: int) -> float:
    """A reader's chapter, segment after segment: the audio seconds it got."""
    texts = [FIRST_SENTENCE] + [BENCHMARK_TEXTS[i % len(BENCHMARK_TEXTS)] for i in range(segments - 1)]
    return sum(speak(url, index, text, seed=1000 * number + index)[1] for index, text in enumerate(texts))


def measure(url: str, repeats: int, segments: int) -> dict:
    first = [speak(url, 0, FIRST_SENTENCE, seed) for seed in range(repeats)]
    started = time.perf_counter()
    stream_audio = chapter(url, 0, segments * 2)
    stream_wall = time.perf_counter() - started
    aggregate = {}
    for chapters in CONCURRENCY:
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=chapters) as pool:
            audio = sum(pool.map(lambda number: chapter(url, number, segments), range(1, chapters + 1)))
        aggregate[str(chapters)] = round(audio / (time.perf_counter() - started), 2)
    return {
        "first_audio_s": round(statistics.median(wall for wall, _ in first), 3),
        "first_sentence_audio_s": round(statistics.median(audio for _, audio in first), 2),
        "one_stream_x_real_time": round(stream_audio / stream_wall, 2),
        "audio_seconds_per_second": aggregate,
    }


def run(size: str, decoder: str, repeats: int, segments: int, out: Path) -> dict:
    model, port = checkpoint(size), free_port()
    log = out / f"server-{size}-{decoder}.log"
    env = server_env(model, decoder, port)
    with running(["-m", server_module(decoder)], env, log, python=worker_python()) as server:
        url = f"http://127.0.0.1:{port}"
        wait_for_http(url + "/health", server, log, timeout=1800)
        health = httpx.get(url + "/health").json()
        figures = measure(url, repeats, segments)
    (described,) = health["models"]
    return {"size": size, "decoder": decoder, "device": described["device"], "dtype": described["dtype"], **figures}


def markdown(report: dict) -> str:
    lines = [
        f"{report['date']}, {report['machine']}, torch {report['torch']}",
        "",
        "| model | decoder | first audio | its audio | one stream | "
        + " | ".join(f"{n} chapter{'s' if n > 1 else ''}" for n in CONCURRENCY)
        + " |",
        "|---|---|---:|---:|---:|" + "---:|" * len(CONCURRENCY),
    ]
    for row in report["runs"]:
        aggregate = " | ".join(f"{row['audio_seconds_per_second'][str(n)]} audio s/s" for n in CONCURRENCY)
        lines.append(
            f"| {row['size']} CustomVoice ({row['dtype']}) | {row['decoder']} | {row['first_audio_s']} s "
            f"| {row['first_sentence_audio_s']} s | {row['one_stream_x_real_time']}x | {aggregate} |"
        )
    return "\n".join(lines) + "\n"


def machine() -> str:
    if torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    return f"{platform.machine()}, {torch.get_num_threads()} cores"


def main() -> None:
    gpu = torch.cuda.is_available()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="0.6b,1.7b" if gpu else "tiny")
    parser.add_argument("--decoders", default="graphs,batched")
    parser.add_argument("--repeats", type=int, default=5, help="first-sentence requests to take the median of")
    parser.add_argument("--segments", type=int, default=2 if gpu else 3, help="segments per chapter")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    runs = [
        run(size, decoder, args.repeats, args.segments, args.out)
        for size in args.sizes.split(",")
        for decoder in args.decoders.split(",")
    ]
    report = {
        "date": datetime.now(UTC).date().isoformat(),
        "machine": machine(),
        "torch": torch.__version__,
        "segments_per_chapter": args.segments,
        "runs": runs,
    }
    (args.out / "bench.json").write_text(json.dumps(report, indent=2) + "\n")
    (args.out / "bench.md").write_text(markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
