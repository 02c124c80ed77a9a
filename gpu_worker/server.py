"""The model server: ``python -m gpu_worker.server``.

    POST /synthesize      text (or segments) in, 16-bit 24 kHz mono WAV out, base64 in JSON
    POST /voices/prompt   reference audio in, a reusable clone prompt out
    GET  /health          what is loaded, and whether it is ready

It listens at once, so ``/health`` can say it is loading; it loads and warms every configured
model, then writes the ready line to ``MODEL_LOG`` (which the PyWorker waits for) and stdout.
With ``GPU_WORKER_TOKEN`` set, every route but ``/health`` needs ``Authorization: Bearer <token>``.
"""

import asyncio
import hmac
import json
import logging
import os
import signal
import sys
import time
from pathlib import Path

from aiohttp import web

from gpu_worker import audio, protocol
from gpu_worker.batching import InferenceQueue
from gpu_worker.config import FAILED_MARKER, READY_MARKER, SAMPLE_RATE, ConfigurationError, Settings
from gpu_worker.model import LoadedModel
from gpu_worker.protocol import RequestError

logger = logging.getLogger("gpu_worker")


def announce(model_log: Path | None, marker: str, detail: str) -> None:
    """Write a line the PyWorker acts on to MODEL_LOG, and to stdout for whoever reads that."""
    line = f"{marker} {detail}"
    print(line, flush=True)
    if model_log:
        with model_log.open("a", encoding="utf-8") as log:
            log.write(line + "\n")


class ModelServer:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.models: dict[str, LoadedModel] = {}
        self.queues: dict[str, InferenceQueue] = {}
        self.ready = False

    def load_models(self) -> None:
        """Load and warm every configured model; runs once, off the event loop."""
        configured = [name for name in (self.settings.clone_model, self.settings.preset_model) if name]
        for name in configured:
            model = LoadedModel.load(name, self.settings)
            if model.kind in self.models:
                raise ValueError(f"{name} and {self.models[model.kind].name} are both {model.kind} models")
            model.warm_up()
            self.models[model.kind] = model
        self.queues = {kind: InferenceQueue(model, self.settings) for kind, model in self.models.items()}
        self.ready = True

    def app(self) -> web.Application:
        middlewares = [error_middleware]
        if self.settings.token:
            middlewares.append(token_middleware(self.settings.token))
        app = web.Application(client_max_size=self.settings.max_body_bytes, middlewares=middlewares)
        app.add_routes(
            [
                web.get("/health", self.health),
                web.post("/synthesize", self.synthesize),
                web.post("/voices/prompt", self.voice_prompt),
            ]
        )
        return app

    def identity(self, model: LoadedModel) -> dict:
        return {"model": model.name, "instance_id": self.settings.instance_id}

    async def health(self, request: web.Request) -> web.Response:
        if not self.ready:
            return web.json_response({"status": "loading", "ready": False}, status=503)
        return web.json_response(
            {
                "status": "ok",
                "ready": True,
                "instance_id": self.settings.instance_id,
                "models": [model.describe() for model in self.models.values()],
                "default_speaker": self.settings.default_speaker,
                "sample_rate": SAMPLE_RATE,
                "max_length": self.settings.max_length,
                "max_batch": self.settings.max_batch,
                "decoder": self.settings.decoder,
                "batch_threshold": self.settings.batch_threshold,
                "queue_depth": {kind: queue.depth for kind, queue in self.queues.items()},
            }
        )

    async def synthesize(self, request: web.Request) -> web.Response:
        body = await self.read_body(request)
        parsed = protocol.parse_synthesis(body, self.models, self.settings)
        queue = self.queues[parsed.model.kind]
        result = await queue.synthesize(parsed.voice, parsed.language, parsed.segments, parsed.seed, parsed.first_audio)
        common = {
            "sample_rate": SAMPLE_RATE,
            "synthesis_time": round(result.seconds, 3),
            "batch_size": result.batch_size,
            "seed": parsed.seed,
            **self.identity(parsed.model),
        }
        segments = [protocol.segment_json(outcome) for outcome in result.outcomes]
        failed = any(segment["status"] == "error" for segment in segments)
        if parsed.batch_form:
            return web.json_response({"status": "error" if failed else "success", "segments": segments, **common})
        (segment,) = segments
        if failed:
            # Only the single-text form ends here: it has no per-segment answer to carry the failure.
            return web.json_response({**segment, "status": "error", **common}, status=500)
        segment.pop("index")
        return web.json_response({**segment, **common})

    async def voice_prompt(self, request: web.Request) -> web.Response:
        body = await self.read_body(request)
        parsed = protocol.parse_prompt(body, self.models, self.settings)

        def build(model: LoadedModel) -> tuple[bytes, bool]:
            item = model.build_prompt(parsed.samples, parsed.sample_rate, parsed.ref_text)
            return model.serialize_prompt(item), bool(item.icl_mode)

        started = time.monotonic()
        data, icl = await self.queues[parsed.model.kind].call(build)
        return web.json_response(
            {
                "status": "success",
                "prompt": audio.encode_base64(data),
                "mode": "icl" if icl else "x_vector",
                "reference_seconds": round(len(parsed.samples) / parsed.sample_rate, 3),
                "synthesis_time": round(time.monotonic() - started, 3),
                **self.identity(parsed.model),
            }
        )

    async def read_body(self, request: web.Request) -> object:
        if not self.ready:
            raise RequestError("the models are still loading; try again shortly", "loading", status=503)
        try:
            return await request.json(loads=json.loads)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise RequestError("the request body is not valid JSON", "invalid_json") from None


def error_json(status: int, message: str, code: str) -> web.Response:
    return web.json_response({"status": "error", "error": message, "code": code}, status=status)


@web.middleware
async def error_middleware(request: web.Request, handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except RequestError as exc:
        return error_json(exc.status, exc.message, exc.code)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return error_json(exc.status, exc.reason, exc.reason.lower().replace(" ", "_"))
    except Exception:
        logger.exception("unhandled error in %s %s", request.method, request.path)
        return error_json(500, "internal error in the model server", "internal")


def token_middleware(token: str):
    """Refuse every route but /health without the shared token; compared in constant time."""
    expected = f"Bearer {token}".encode()

    @web.middleware
    async def check_token(request: web.Request, handler) -> web.StreamResponse:
        if request.path != "/health":
            given = request.headers.get("Authorization", "").encode(errors="surrogateescape")
            if not hmac.compare_digest(given, expected):
                raise RequestError(
                    "this model server needs Authorization: Bearer <GPU_WORKER_TOKEN>", "unauthorized", status=401
                )
        return await handler(request)

    return check_token


async def serve(settings: Settings) -> None:
    server = ModelServer(settings)
    runner = web.AppRunner(server.app())
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
    logger.info("listening on %s:%s; loading models", settings.host, settings.port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        try:
            await asyncio.to_thread(server.load_models)
        except Exception as exc:
            logger.exception("model loading failed")
            announce(settings.model_log, FAILED_MARKER, f"{type(exc).__name__}: {exc}")
            raise SystemExit(1) from None
        names = ", ".join(f"{model.name} ({kind})" for kind, model in server.models.items())
        announce(settings.model_log, READY_MARKER, f"{names} on {next(iter(server.models.values())).device}")
        await stop.wait()
    finally:
        await runner.cleanup()


def main() -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env()
    except ConfigurationError as exc:
        model_log = os.environ.get("MODEL_LOG")
        announce(Path(model_log) if model_log else None, FAILED_MARKER, str(exc))
        sys.exit(2)
    asyncio.run(serve(settings))


if __name__ == "__main__":
    main()
