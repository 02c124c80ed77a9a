"""The graph path's code run eagerly on CPU, for tests and the benchmark's CPU mode.

    python -m gpu_worker.testing.eager_graphs      # the model server, graphs decoded eagerly

faster-qwen3-tts captures its decode steps as CUDA graphs, which CPU torch cannot do. With
``torch.cuda``'s stream, graph and synchronize calls made no-ops, each graph class's ``capture()``
still runs its warm-up passes, and replaying a "graph" runs the method it would have captured
(``PredictorGraph._full_loop``, ``TalkerGraph._decode_step``) on the same static buffers and cache.
Every other line of the graph path runs as it does on a GPU; real capture and replay, and bf16
kernels, are what only a GPU run covers. Not part of the image: a worker on a GPU captures real
graphs, and one on CPU without this decodes everything on the batched path.
"""

import contextlib

import torch
from faster_qwen3_tts.predictor_graph import PredictorGraph
from faster_qwen3_tts.talker_graph import TalkerGraph


class NoStream:
    def wait_stream(self, other) -> None:
        pass


class EagerGraph:
    """Stands in for a captured CUDA graph: replaying it runs the captured method."""

    def __init__(self, step):
        self.replay = step


def eager_capture(capture, step_name: str):
    def capture_eagerly(graphs, *args, **kwargs):
        capture(graphs, *args, **kwargs)
        graphs.graph = EagerGraph(getattr(graphs, step_name))

    return capture_eagerly


@contextlib.contextmanager
def eager_cuda_graphs():
    """While active, faster-qwen3-tts's graph classes build, capture and replay on CPU."""
    with contextlib.ExitStack() as stack:
        patch = stack.enter_context(_patcher())
        patch(torch.cuda, "synchronize", lambda *args, **kwargs: None)
        patch(torch.cuda, "current_device", lambda: 0)
        patch(torch.cuda, "device", lambda *args: contextlib.nullcontext())
        patch(torch.cuda, "Stream", lambda *args, **kwargs: NoStream())
        patch(torch.cuda, "current_stream", lambda *args, **kwargs: NoStream())
        patch(torch.cuda, "stream", lambda *args: contextlib.nullcontext())
        patch(torch.cuda, "CUDAGraph", lambda: None)
        patch(torch.cuda, "graph", lambda *args, **kwargs: contextlib.nullcontext())
        patch(PredictorGraph, "capture", eager_capture(PredictorGraph.capture, "_full_loop"))
        patch(TalkerGraph, "capture", eager_capture(TalkerGraph.capture, "_decode_step"))
        yield


@contextlib.contextmanager
def _patcher():
    originals = []

    def patch(owner, name: str, value) -> None:
        originals.append((owner, name, getattr(owner, name)))
        setattr(owner, name, value)

    try:
        yield patch
    finally:
        for owner, name, value in reversed(originals):
            setattr(owner, name, value)


def main() -> None:
    from gpu_worker import server

    with eager_cuda_graphs():
        server.main()


if __name__ == "__main__":
    main()
