"""A loopback proxy that forwards every request, headers and all, and records what passed: to see
what reaches a model server, and with which credentials."""

import threading

import aiohttp
from aiohttp import web

from gpu_worker.testing.loopback import LoopbackServer

# Set by the client library for each connection, not by whoever sent the request.
NOT_FORWARDED = {"host", "content-length", "transfer-encoding", "connection"}


class RecordingProxy(LoopbackServer):
    def __init__(self, target: str):
        super().__init__()
        self.target = target.rstrip("/")
        self.requests: list[dict] = []
        self._lock = threading.Lock()

    def routes(self) -> list[web.AbstractRouteDef]:
        return [web.route("*", "/{path:.*}", self._forward)]

    def recorded(self, method: str | None = None) -> list[dict]:
        with self._lock:
            return [request for request in self.requests if method in (None, request["method"])]

    async def _forward(self, request: web.Request) -> web.Response:
        body = await request.read()
        with self._lock:
            self.requests.append({"method": request.method, "path": request.path, "headers": dict(request.headers)})
        headers = {name: value for name, value in request.headers.items() if name.lower() not in NOT_FORWARDED}
        async with (
            aiohttp.ClientSession() as session,
            session.request(request.method, self.target + request.path_qs, data=body, headers=headers) as answer,
        ):
            return web.Response(body=await answer.read(), status=answer.status, content_type=answer.content_type)
