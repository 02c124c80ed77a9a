"""Throughput and time to first audio of the GPU worker's generation path.

    python -m bench.worker_throughput --preset-model DIR_OR_HUB_ID [--clone-model ...] [--json OUT]

Runs in-process through ``gpu_worker.engine`` (the code behind ``/synthesize``), so the figures
are the model's and the guards', without HTTP. For each batch size it synthesizes batches of
chapter-like sentences and reports audio seconds produced per wall second; time to first audio
is the wall time of a single first sentence, as a reader pressing play waits for it. With the
tiny random-weight checkpoints it measures the code's overhead, not a real model's speed.
"""

import argparse
import json
import platform
import statistics
import time
from dataclasses import replace

import torch

from gpu_worker.config import SAMPLE_RATE, Settings
from gpu_worker.model import CloneVoice, LoadedModel, PresetVoice, Segment
from gpu_worker.worker import BENCHMARK_TEXTS

FIRST_SENTENCE = "Chapter one. The rain had not stopped for three days."


def batch(size: int) -> list[Segment]:
    return [Segment(i, BENCHMARK_TEXTS[i % len(BENCHMARK_TEXTS)]) for i in range(size)]


def synchronize() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def measure(model: LoadedModel, voice, batch_sizes: list[int], repeats: int) -> dict:
    results = {"model": model.name, "kind": model.kind, "device": model.device, "dtype": model.dtype, "batches": []}
    first_audio = []
    for seed in range(repeats):
        synchronize()
        started = time.perf_counter()
        model.synthesize(voice, "english", [Segment(0, FIRST_SENTENCE)], seed=seed)
        synchronize()
        first_audio.append(time.perf_counter() - started)
    results["time_to_first_audio_s"] = round(statistics.median(first_audio), 3)
    for size in batch_sizes:
        audio_seconds = wall_seconds = failed = 0.0
        for seed in range(repeats):
            synchronize()
            started = time.perf_counter()
            outcome = model.synthesize(voice, "english", batch(size), seed=seed)
            synchronize()
            wall_seconds += time.perf_counter() - started
            audio_seconds += sum(len(o.samples) for o in outcome.outcomes if o.samples is not None) / SAMPLE_RATE
            failed += sum(o.samples is None for o in outcome.outcomes)
        results["batches"].append(
            {
                "batch_size": size,
                "audio_seconds_per_second": round(audio_seconds / wall_seconds, 2),
                "segments_per_second": round(size * repeats / wall_seconds, 2),
                "failed_segments": int(failed),
            }
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset-model", help="CustomVoice checkpoint (hub id or directory)")
    parser.add_argument("--clone-model", help="Base checkpoint (hub id or directory)")
    parser.add_argument("--batch-sizes", default="1,4,16")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    sizes = [int(size) for size in args.batch_sizes.split(",")]
    settings = replace(Settings.from_env(), max_batch=max(sizes))

    runs = []
    if args.preset_model:
        model = LoadedModel.load(args.preset_model, settings)
        model.warm_up()
        runs.append(measure(model, PresetVoice(settings.default_speaker.lower()), sizes, args.repeats))
    if args.clone_model:
        model = LoadedModel.load(args.clone_model, settings)
        model.warm_up()
        tone = torch.sin(torch.arange(5 * SAMPLE_RATE) * 0.05).numpy() * 0.3
        prompt = model.build_prompt(tone.astype("float32"), SAMPLE_RATE, None)
        runs.append(measure(model, CloneVoice(key="bench", prompt=prompt), sizes, args.repeats))

    machine = f"{platform.machine()}, {torch.get_num_threads()} torch threads"
    if torch.cuda.is_available():
        machine = torch.cuda.get_device_name(0)
    report = {"machine": machine, "torch": torch.__version__, "runs": runs}
    for run in runs:
        print(f"\n{run['model']} ({run['kind']}) on {machine}, {run['dtype']}")
        print(f"time to first audio: {run['time_to_first_audio_s']} s")
        print("| batch | audio s / s | segments / s | failed |")
        print("|---:|---:|---:|---:|")
        for row in run["batches"]:
            print(
                f"| {row['batch_size']} | {row['audio_seconds_per_second']} | {row['segments_per_second']} "
                f"| {row['failed_segments']} |"
            )
    if args.json:
        with open(args.json, "w") as out:
            json.dump(report, out, indent=2)


if __name__ == "__main__":
    main()
