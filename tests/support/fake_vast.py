"""A stand-in for Vast.ai's serverless engine and console, speaking their documented protocol.

- Report service (the worker kit's ``VastReportService``): ``/pubkey/``, the workers' reports,
  and signed route replies, so a real PyWorker can keep its signature check on.
- Route service: ``POST /route/`` answers ``{endpoint, status, request_idx}`` while no worker is
  ready and, once one is, the signed ``{endpoint, url, cost, reqnum, signature, request_idx,
  __request_id}`` (vastai.md §0.3).
- Console: endpoints (``/api/v0/endptjobs/``), worker groups (``/api/v0/workergroups/``),
  templates (``POST /api/v0/template/``, ``PUT /api/v1/template/``), instance prices, charges and
  the autoscaler's ``/get_endpoint_workers/``. Writes are recorded with their bodies.

Tests script faults: route polls with no worker, route errors, forged signatures.
"""

import json
import threading

from aiohttp import web
from Crypto.PublicKey import RSA

from gpu_worker.testing.vast_report import ENDPOINT_NAME, VastReportService

ACCOUNT_KEY = "vast-account-key"
ENDPOINT_ID = 77
INSTANCE_PRICE = "0.389"


class FakeVast(VastReportService):
    def __init__(self):
        super().__init__()
        self.worker_url = ""
        self.root_certificate = b""  # served where Vast serves its root CA
        self.endpoint_key = "endpoint-key-1"
        self.forger = RSA.generate(2048)  # signs forged replies: a key the workers do not trust
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.route_calls: list[dict] = []
            self.console_calls: list[str] = []
            self.waiting_polls = 0
            self.route_failures: list[int] = []
            self.forged_replies = 0
            self.console_writes: list[tuple[str, str, dict]] = []
            self.created_endpoints: dict[int, dict] = {}
            self.workergroups: dict[int, dict] = {}
            self.templates: dict[int, dict] = {}
            self.workers: list[dict] = []
            self.charges: list[dict] = []

    def routes(self) -> list[web.AbstractRouteDef]:
        return [
            *super().routes(),
            web.post("/route/", self._route),
            web.get("/api/v0/endptjobs/", self._endpoints),
            web.post("/api/v0/endptjobs/", self._endpoint_create),
            web.put("/api/v0/endptjobs/{id}/", self._endpoint_update),
            web.delete("/api/v0/endptjobs/{id}/", self._endpoint_delete),
            web.get("/api/v0/workergroups/", self._workergroups),
            web.post("/api/v0/workergroups/", self._workergroup_create),
            web.put("/api/v0/workergroups/{id}/", self._workergroup_update),
            web.delete("/api/v0/workergroups/{id}/", self._workergroup_delete),
            web.post("/api/v0/template/", self._template_create),
            web.put("/api/v1/template/", self._template_update),
            web.get("/api/v0/instances/{instance_id}/", self._instance),
            web.get("/static/jvastai_root.cer", self._root_certificate),
            web.post("/get_endpoint_workers/", self._endpoint_workers),
            web.get("/api/v0/charges/", self._charges),
        ]

    async def _route(self, request: web.Request) -> web.Response:
        body = await request.json()
        with self._lock:
            self.route_calls.append({**body, "authorization": request.headers.get("Authorization", "")})
            if body.get("endpoint") != ENDPOINT_NAME or body.get("api_key") not in (self.endpoint_key, ACCOUNT_KEY):
                return web.json_response({"error": "invalid endpoint or key"}, status=401)
            if self.route_failures:
                return web.json_response({"error": "route trouble"}, status=self.route_failures.pop(0))
            if self.waiting_polls:
                self.waiting_polls -= 1
                request_idx = body.get("request_idx") or self.next_request_number()
                return web.json_response({"endpoint": ENDPOINT_NAME, "status": "1 loading", "request_idx": request_idx})
            forged = self.forged_replies > 0
            if forged:
                self.forged_replies -= 1
        reply = self.auth_data(self.worker_url, body.get("cost"), key=self.forger if forged else None)
        if body.get("request_idx"):
            reply["request_idx"] = body["request_idx"]
        return web.json_response(reply)

    def _console_allowed(self, request: web.Request) -> bool:
        with self._lock:
            self.console_calls.append(request.path)
        return request.headers.get("Authorization") == f"Bearer {ACCOUNT_KEY}"

    async def _endpoints(self, request: web.Request) -> web.Response:
        if not self._console_allowed(request):
            return web.json_response({"success": False, "error": "auth_error"}, status=401)
        endpoint = {"id": ENDPOINT_ID, "endpoint_name": ENDPOINT_NAME, "api_key": self.endpoint_key}
        return web.json_response({"success": True, "results": [endpoint, *self.created_endpoints.values()]})

    async def _write(self, request: web.Request) -> dict | None:
        """Record a console write and return its body, or None when the key is wrong."""
        if not self._console_allowed(request):
            return None
        body = await request.json() if request.can_read_body else {}
        with self._lock:
            self.console_writes.append((request.method, request.path, body))
        return body

    @staticmethod
    def _refused() -> web.Response:
        return web.json_response({"success": False, "error": "auth_error"}, status=401)

    async def _endpoint_create(self, request: web.Request) -> web.Response:
        body = await self._write(request)
        if body is None:
            return self._refused()
        new_id = 1000 + len(self.created_endpoints)
        fields = {k: v for k, v in body.items() if k != "client_id"}
        self.created_endpoints[new_id] = {
            **fields,
            "id": new_id,
            "api_key": f"key-{new_id}",
            "endpoint_state": "active",
        }
        return web.json_response({"success": True, "result": new_id})

    async def _endpoint_update(self, request: web.Request) -> web.Response:
        body = await self._write(request)
        if body is None:
            return self._refused()
        endpoint = self.created_endpoints[int(request.match_info["id"])]
        endpoint.update({k: v for k, v in body.items() if k != "endptjob_id"})
        return web.json_response({"success": True})

    async def _endpoint_delete(self, request: web.Request) -> web.Response:
        if await self._write(request) is None:
            return self._refused()
        self.created_endpoints.pop(int(request.match_info["id"]), None)
        return web.json_response({"success": True, "deleted_workers": 0, "failed_workers": 0, "msg": "ok"})

    async def _workergroups(self, request: web.Request) -> web.Response:
        if not self._console_allowed(request):
            return self._refused()
        listed = [
            {**{k: v for k, v in group.items() if k != "search_params"}, "search_query": group["search_params"]}
            for group in self.workergroups.values()
        ]
        return web.json_response({"success": True, "results": listed})

    async def _workergroup_create(self, request: web.Request) -> web.Response:
        body = await self._write(request)
        if body is None:
            return self._refused()
        new_id = 500 + len(self.workergroups)
        self.workergroups[new_id] = {**{k: v for k, v in body.items() if k != "client_id"}, "id": new_id}
        return web.json_response({"success": True, "id": new_id})

    async def _workergroup_update(self, request: web.Request) -> web.Response:
        body = await self._write(request)
        if body is None:
            return self._refused()
        self.workergroups[int(request.match_info["id"])].update(body)
        return web.json_response({"success": True})

    async def _workergroup_delete(self, request: web.Request) -> web.Response:
        if await self._write(request) is None:
            return self._refused()
        self.workergroups.pop(int(request.match_info["id"]), None)
        return web.json_response({"success": True, "deleted_workers": 0, "failed_workers": 0, "msg": "ok"})

    async def _template_create(self, request: web.Request) -> web.Response:
        body = await self._write(request)
        if body is None:
            return self._refused()
        new_id = 300 + len(self.templates)
        self.templates[new_id] = {**body, "id": new_id, "hash_id": f"hash-{new_id}-1"}
        return web.json_response({"success": True, "template": self.templates[new_id]})

    async def _template_update(self, request: web.Request) -> web.Response:
        body = await self._write(request)
        if body is None:
            return self._refused()
        template = self.templates[body["id"]]
        version = int(template["hash_id"].rsplit("-", 1)[1]) + 1  # every edit is a new version
        template.update({**body, "hash_id": f"hash-{body['id']}-{version}"})
        return web.json_response({"success": True, "template": template})

    async def _charges(self, request: web.Request) -> web.Response:
        """Pages of ``limit`` charges with a ``next_token``, filtered by day as the console does."""
        if not self._console_allowed(request):
            return self._refused()
        filters = json.loads(request.query["select_filters"])
        low, high = filters["day"]["gte"], filters["day"]["lte"]
        matching = [charge for charge in self.charges if low <= charge["start"] <= high]
        limit, offset = int(request.query.get("limit", 100)), int(request.query.get("after_token", 0))
        page = matching[offset : offset + limit]
        next_token = str(offset + limit) if offset + limit < len(matching) else None
        return web.json_response(
            {"success": True, "count": len(page), "total": len(matching), "next_token": next_token, "results": page}
        )

    async def _endpoint_workers(self, request: web.Request) -> web.Response:
        if not self._console_allowed(request):
            return self._refused()
        return web.json_response(self.workers)

    async def _root_certificate(self, request: web.Request) -> web.Response:
        with self._lock:
            self.console_calls.append(request.path)
        return web.Response(body=self.root_certificate, content_type="application/x-x509-ca-cert")

    async def _instance(self, request: web.Request) -> web.Response:
        if not self._console_allowed(request):
            return web.json_response({"success": False, "error": "auth_error"}, status=401)
        instance_id = request.match_info["instance_id"]
        return web.json_response(
            {"instances": {"id": instance_id, "dph_total": INSTANCE_PRICE, "gpu_name": "RTX 4090"}}
        )
