"""A stand-in for the part of Vast.ai a PyWorker talks to, speaking its documented protocol.

- ``GET /pubkey/``: the public key the PyWorker checks route signatures with; the stand-in makes
  its own RSA key pair, so a real PyWorker can keep its signature check on.
- ``POST /worker_status/`` and ``POST /delete_requests/``: the worker's reports, recorded.
- ``auth_data``: what Vast's route service hands a client once a worker is ready, signed with
  PKCS#1 v1.5 over SHA-256 of ``json.dumps({"url": url}, indent=4, sort_keys=True)``.
"""

import base64
import itertools
import json
import time

from aiohttp import web
from Crypto.Hash import SHA256
from Crypto.PublicKey import RSA
from Crypto.Signature import pkcs1_15

from gpu_worker.testing.loopback import LoopbackServer

ENDPOINT_NAME = "libread-tts-test"


def signature_for(key: RSA.RsaKey, url: str) -> str:
    message = json.dumps({"url": url}, indent=4, sort_keys=True).encode()
    return base64.b64encode(pkcs1_15.new(key).sign(SHA256.new(message))).decode()


class VastReportService(LoopbackServer):
    def __init__(self):
        super().__init__()
        self.key = RSA.generate(2048)
        self.worker_statuses: list[dict] = []
        self.deleted_requests: list[dict] = []
        self._request_numbers = itertools.count(1)

    def routes(self) -> list[web.AbstractRouteDef]:
        return [
            web.get("/pubkey/", self._pubkey),
            web.post("/worker_status/", self._worker_status),
            web.post("/delete_requests/", self._delete_requests),
        ]

    def next_request_number(self) -> int:
        return next(self._request_numbers)

    def auth_data(self, worker_url: str, cost: float, key: RSA.RsaKey | None = None) -> dict:
        """What the route service answers once a worker is ready; signed with another key when one is given."""
        number = self.next_request_number()
        return {
            "endpoint": ENDPOINT_NAME,
            "url": worker_url,
            "cost": cost,
            "reqnum": number,
            "request_idx": number,
            "signature": signature_for(key or self.key, worker_url),
            "__request_id": f"test-{number}",
        }

    def statuses_ready(self) -> list[dict]:
        return [status for status in self.worker_statuses if status.get("max_perf", 0) > 0]

    async def _pubkey(self, request: web.Request) -> web.Response:
        return web.Response(text=self.key.publickey().export_key().decode())

    async def _worker_status(self, request: web.Request) -> web.Response:
        self.worker_statuses.append({**await request.json(), "received_at": time.monotonic()})
        return web.json_response({"success": True})

    async def _delete_requests(self, request: web.Request) -> web.Response:
        self.deleted_requests.append(await request.json())
        return web.json_response({"success": True})
