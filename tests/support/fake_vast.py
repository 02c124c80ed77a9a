"""A stand-in for the parts of Vast.ai's serverless engine a PyWorker talks to.

It makes its own RSA key pair, serves the public key at ``/pubkey/`` as run.vast.ai does,
records the ``/worker_status/`` and ``/delete_requests/`` reports workers send, and signs route
replies the way the real route service does: PKCS#1 v1.5 over SHA-256 of
``json.dumps({"url": url}, indent=4, sort_keys=True)`` (vastai.md §0.3).
"""

import asyncio
import base64
import itertools
import json
import threading
import time

from aiohttp import web
from Crypto.Hash import SHA256
from Crypto.PublicKey import RSA
from Crypto.Signature import pkcs1_15

from tests.support.processes import free_port


def signature_for(key: RSA.RsaKey, url: str) -> str:
    message = json.dumps({"url": url}, indent=4, sort_keys=True).encode()
    return base64.b64encode(pkcs1_15.new(key).sign(SHA256.new(message))).decode()


class FakeVast:
    def __init__(self):
        self.key = RSA.generate(2048)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.worker_statuses: list[dict] = []
        self.deleted_requests: list[dict] = []
        self._request_numbers = itertools.count(1)
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self) -> "FakeVast":
        self._thread.start()
        self._started.wait(10)
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def auth_data(self, worker_url: str, cost: float, key: RSA.RsaKey | None = None) -> dict:
        """What /route/ answers once a worker is ready; signed with another key when one is given."""
        number = next(self._request_numbers)
        return {
            "endpoint": "libread-tts-test",
            "url": worker_url,
            "cost": cost,
            "reqnum": number,
            "request_idx": number,
            "signature": signature_for(key or self.key, worker_url),
            "__request_id": f"test-{number}",
        }

    def statuses_ready(self) -> list[dict]:
        return [status for status in self.worker_statuses if status.get("max_perf", 0) > 0]

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.add_routes(
            [
                web.get("/pubkey/", self._pubkey),
                web.post("/worker_status/", self._worker_status),
                web.post("/delete_requests/", self._delete_requests),
            ]
        )
        runner = web.AppRunner(app)
        self._loop.run_until_complete(runner.setup())
        self._loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", self.port).start())
        self._started.set()
        self._loop.run_forever()

    async def _pubkey(self, request: web.Request) -> web.Response:
        return web.Response(text=self.key.publickey().export_key().decode())

    async def _worker_status(self, request: web.Request) -> web.Response:
        self.worker_statuses.append({**await request.json(), "received_at": time.monotonic()})
        return web.json_response({"success": True})

    async def _delete_requests(self, request: web.Request) -> web.Response:
        self.deleted_requests.append(await request.json())
        return web.json_response({"success": True})
