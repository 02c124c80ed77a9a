"""A loopback HTTP proxy in front of the real model server that records what the service sends.

Tests count the requests each segment appears in, and script faults: the next N requests
answered with a given status and body instead of being forwarded.
"""

import asyncio
import ssl
import threading
from dataclasses import dataclass

import aiohttp
from aiohttp import web

from tests.support.processes import free_port


@dataclass
class Fault:
    status: int = 200
    body: dict | None = None
    delay: float = 0.0  # seconds to hold the request before answering (or forwarding)


class WorkerTap:
    def __init__(self, target: str, ssl_context: ssl.SSLContext | None = None):
        self.target = target.rstrip("/")
        self.port = free_port()
        self.ssl_context = ssl_context
        self.url = f"{'https' if ssl_context else 'http'}://127.0.0.1:{self.port}"
        self.requests: list[dict] = []
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self) -> "WorkerTap":
        self._thread.start()
        self._started.wait(10)
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._faults.clear()

    def fail_next(self, count: int, status: int, body: dict) -> None:
        with self._lock:
            self._faults.extend(Fault(status, body) for _ in range(count))

    def hang_next(self, count: int, seconds: float) -> None:
        with self._lock:
            self._faults.extend(Fault(delay=seconds) for _ in range(count))

    def synthesis_requests(self) -> list[dict]:
        with self._lock:
            return [request for request in self.requests if request["path"] == "/synthesize"]

    def sent_indexes(self) -> list[int]:
        """Every segment index sent for synthesis, once per time it was sent."""
        return [segment["index"] for request in self.synthesis_requests() for segment in request["body"]["segments"]]

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{path:.*}", self._forward)
        runner = web.AppRunner(app)
        self._loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", self.port, ssl_context=self.ssl_context)
        self._loop.run_until_complete(site.start())
        self._started.set()
        self._loop.run_forever()

    async def _forward(self, request: web.Request) -> web.Response:
        body = await request.read()
        if request.method == "POST":
            with self._lock:
                self.requests.append(
                    {"path": request.path, "body": await request.json(), "headers": dict(request.headers)}
                )
                fault = self._faults.pop(0) if self._faults else None
            if fault:
                await asyncio.sleep(fault.delay)
                if fault.body is not None:
                    return web.json_response(fault.body, status=fault.status)
        async with (
            aiohttp.ClientSession() as session,
            session.request(
                request.method, self.target + request.path_qs, data=body, headers={"Content-Type": "application/json"}
            ) as answer,
        ):
            return web.Response(body=await answer.read(), status=answer.status, content_type=answer.content_type)
