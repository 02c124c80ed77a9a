"""Vast.ai's console API (https://console.vast.ai/api/v0/...), with the account key.

Used to look up endpoints and instance prices, and by the management commands that create and
sync the endpoint, its worker group and the worker template. The console rate-limits each
endpoint and identity and answers 429 without Retry-After; such answers and 5xx are retried a
few times with backoff.
"""

import time

import httpx
from django.conf import settings

RETRYABLE = {429, 500, 502, 503, 504}


class ConsoleError(Exception):
    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class VastaiConsole:
    def __init__(self, api_key: str | None = None, url: str | None = None, retries: int = 4):
        self.api_key = api_key if api_key is not None else settings.VASTAI_API_KEY
        self.url = (url or settings.VASTAI_CONSOLE_URL).rstrip("/")
        self.retries = retries

    def request(self, method: str, path: str, *, base: str | None = None, **kwargs) -> dict:
        url = f"{(base or self.url).rstrip('/')}{path}"
        for attempt in range(self.retries + 1):
            try:
                response = httpx.request(
                    method,
                    url,
                    headers={"Authorization": f"Bearer {self.api_key}"},
                    timeout=settings.VASTAI_ROUTE_TIMEOUT,
                    **kwargs,
                )
            except httpx.HTTPError as exc:
                problem, status = f"Vast.ai console unreachable: {type(exc).__name__}: {exc}", None
            else:
                if response.status_code == 200:
                    return response.json()
                problem, status = (
                    f"{method} {path} answered {response.status_code}: {response.text[:300]}",
                    response.status_code,
                )
                if status == 401:
                    raise ConsoleError("Vast.ai rejected VASTAI_API_KEY (401)", status)
                if status not in RETRYABLE:
                    raise ConsoleError(problem, status)
            if attempt < self.retries:
                time.sleep(min(0.5 * 2**attempt, 8))
        raise ConsoleError(problem, status)

    def get(self, path: str, **kwargs) -> dict:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: dict, **kwargs) -> dict:
        return self.request("POST", path, json=body, **kwargs)

    def put(self, path: str, body: dict, **kwargs) -> dict:
        return self.request("PUT", path, json=body, **kwargs)

    def delete(self, path: str, **kwargs) -> dict:
        return self.request("DELETE", path, **kwargs)

    def endpoints(self) -> list[dict]:
        return self.get("/api/v0/endptjobs/", params={"client_id": "me"}).get("results", [])

    def workergroups(self) -> list[dict]:
        return self.get("/api/v0/workergroups/").get("results", [])

    def instance(self, instance_id: str) -> dict:
        # The id comes from a worker's answer, and a path sent with the account key is no place for
        # whatever a host chose to write there.
        if not instance_id.isdigit():
            raise ConsoleError(f"{instance_id!r} is not a Vast.ai instance id", status=400)
        return self.get(f"/api/v0/instances/{instance_id}/", params={"owner": "me"})["instances"]

    def endpoint_workers(self, endpoint_id: int) -> list[dict]:
        """The autoscaler's view of the endpoint's workers (a dict with error_msg while loading)."""
        answer = self.request(
            "POST", "/get_endpoint_workers/", base=settings.VASTAI_ROUTE_URL, json={"id": endpoint_id}
        )
        return answer if isinstance(answer, list) else []
