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

from gpu_worker.testing.loopback import LoopbackServer


@dataclass
class Fault:
    status: int = 200
    body: dict | None = None
    delay: float = 0.0  # seconds to hold the request before answering (or forwarding)


class WorkerTap(LoopbackServer):
    def __init__(self, target: str, ssl_context: ssl.SSLContext | None = None):
        super().__init__(ssl_context)
        self.target = target.rstrip("/")
        self.requests: list[dict] = []
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def routes(self) -> list[web.AbstractRouteDef]:
        return [web.route("*", "/{path:.*}", self._forward)]

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
