"""The ``vastai`` engine: Vast.ai serverless workers, reached through Vast's route service.

Two hops (research/vastai.md §1): ``POST {VASTAI_ROUTE_URL}/route/`` with the endpoint's name and
key, the request's cost (characters, the worker's workload unit) and ``request_idx``; while no
worker is ready the reply has no ``url`` and the same ``request_idx`` is polled again, with
jittered backoff. Then ``POST <worker url><route>`` with ``{"auth_data": <the whole route reply>,
"payload": <the local engine's body>}``; the PyWorker checks the route's signature.

Unlike Vast's SDK, every call has a timeout, route errors are retried, and retries are bounded:
408, 429, 5xx and transport errors are retried ``VASTAI_MAX_RETRIES`` times with the same
``request_idx``; a worker that does not answer in time is not sent the request again here (the
GPU may still be working on it), and the segments' own attempts bound what the task resends.
While no worker is ready the call raises ``WorkerNotReady`` carrying the ``request_idx``: the
caller waits and calls again with it. The account key goes to Vast's console and route service
only, never to a worker.

A worker is sent its request only over TLS (plain HTTP on loopback aside, for tests): the route's
signed ``auth_data`` is a credential for that worker. No error names a worker's address, as
errors reach clients; the log and the request's record (``WorkerCall``) do.
"""

import ipaddress
import logging
import random
import ssl
import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.utils import timezone

from engines.base import (
    Batch,
    BatchResult,
    BuiltPrompt,
    Engine,
    EngineError,
    TransientEngineError,
    WorkerCall,
    WorkerNotReady,
)
from engines.console import ConsoleError, VastaiConsole
from engines.models import GpuInstance
from engines.payload import (
    RETRYABLE_STATUSES,
    batch_result,
    built_prompt,
    prompt_payload,
    refusal,
    synthesis_payload,
    transport_failure,
)

logger = logging.getLogger(__name__)

ROOT_CERTIFICATE_PATH = "/static/jvastai_root.cer"
PROMPT_COST = 200  # what the worker counts a clone prompt as, in characters
COLD_START = "A GPU worker is starting on Vast.ai, which takes a few minutes from cold."


class EndpointKeyRefused(EngineError):
    """The route service answered 401: the endpoint's key is wrong, or was changed."""


@dataclass(frozen=True)
class EndpointAccess:
    name: str
    key: str


_endpoint_cache: dict[str, EndpointAccess] = {}
_ssl_context: ssl.SSLContext | None = None


def over_tls_or_loopback(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "https":
        return True
    try:
        return parts.scheme == "http" and ipaddress.ip_address(parts.hostname or "").is_loopback
    except ValueError:
        return False


def backoff(attempt: int) -> float:
    """Seconds before try ``attempt`` (1, 2, ...): exponential with full jitter, capped."""
    return random.uniform(0.1, min(2**attempt, settings.VASTAI_POLL_MAX_INTERVAL))  # noqa: S311


class VastaiEngine(Engine):
    name = "vastai"
    title = "Vast.ai"

    def missing_configuration(self) -> list[str]:
        return [name for name in ("VASTAI_API_KEY", "VASTAI_ENDPOINT_ID") if not getattr(settings, name)]

    def health(self) -> dict:
        """Nothing more than that it is configured: its endpoint is the operator's business
        (`manage.py vastai_status`), and the autoscaler's state costs a console call."""
        return {}

    def endpoint_access(self, refresh: bool = False) -> EndpointAccess:
        if settings.VASTAI_ENDPOINT_NAME:
            return EndpointAccess(settings.VASTAI_ENDPOINT_NAME, settings.VASTAI_API_KEY)
        endpoint_id = settings.VASTAI_ENDPOINT_ID
        if refresh or endpoint_id not in _endpoint_cache:
            try:
                endpoints = VastaiConsole().endpoints()
            except ConsoleError as exc:
                raise (EngineError if exc.status == 401 else TransientEngineError)(str(exc)) from None
            found = next((e for e in endpoints if str(e.get("id")) == str(endpoint_id)), None)
            if found is None:
                raise EngineError(f"Vast.ai has no endpoint with id {endpoint_id} (VASTAI_ENDPOINT_ID)")
            _endpoint_cache[endpoint_id] = EndpointAccess(found["endpoint_name"], found["api_key"])
        return _endpoint_cache[endpoint_id]

    def price_per_hour(self, instance_id: str) -> Decimal | None:
        if not instance_id:
            return None
        known = GpuInstance.objects.filter(instance_id=instance_id).first()
        fresh_after = timezone.now() - timedelta(seconds=settings.VASTAI_PRICE_TTL_SECONDS)
        if known and known.fetched_at > fresh_after:
            return known.dph_total
        try:
            instance = VastaiConsole().instance(instance_id)
            price = Decimal(str(instance["dph_total"]))
        except (ConsoleError, KeyError, TypeError, InvalidOperation) as exc:
            logger.warning("no price for Vast.ai instance %s: %s", instance_id, exc)
            return known.dph_total if known else None
        GpuInstance.objects.update_or_create(
            instance_id=instance_id,
            defaults={"dph_total": price, "gpu_name": instance.get("gpu_name") or "", "fetched_at": timezone.now()},
        )
        return price

    # The route service and the workers

    def ssl_context(self) -> ssl.SSLContext:
        """Trust Vast's root certificate, as their SDK does; fetched once and kept in var/."""
        global _ssl_context
        if _ssl_context is None:
            path = Path(settings.VAR_DIR) / "jvastai_root.cer"
            if not path.exists():
                response = httpx.get(f"{settings.VASTAI_CONSOLE_URL}{ROOT_CERTIFICATE_PATH}", timeout=30)
                response.raise_for_status()
                path.write_bytes(response.content)
            certificate = path.read_bytes()
            # PEM text or DER bytes: the SDK does not say which Vast serves, so accept both.
            pem = certificate.lstrip().startswith(b"-----BEGIN")
            context = ssl.create_default_context(cadata=certificate.decode() if pem else certificate)
            # Vast's root has pathlen set without keyCertSign; OpenSSL 3 rejects that in strict mode.
            context.verify_flags &= ~ssl.VERIFY_X509_STRICT
            _ssl_context = context
        return _ssl_context

    def route(self, access: EndpointAccess, cost: int, request_idx: int) -> dict | TransientEngineError:
        """The route service's reply, or a failure that may pass; raises on a refusal."""
        try:
            response = httpx.post(
                f"{settings.VASTAI_ROUTE_URL}/route/",
                json={"endpoint": access.name, "api_key": access.key, "cost": cost, "request_idx": request_idx},
                headers={"Authorization": f"Bearer {access.key}"},
                timeout=settings.VASTAI_ROUTE_TIMEOUT,
            )
        except httpx.HTTPError as exc:
            return TransientEngineError(f"Vast.ai route service unreachable: {type(exc).__name__}: {exc}")
        if response.status_code == 401:
            raise EndpointKeyRefused("Vast.ai route service refused the endpoint's key (401)")
        if response.status_code in RETRYABLE_STATUSES:
            return TransientEngineError(f"Vast.ai route service answered {response.status_code}")
        if response.status_code != 200:
            raise EngineError(
                f"Vast.ai route service refused the request ({response.status_code}): {response.text[:200]}"
            )
        try:
            return response.json()
        except ValueError:
            return TransientEngineError("Vast.ai route service answered with something other than JSON")

    def call(self, path: str, payload: dict, cost: int, ticket: int | None = None) -> tuple[dict, WorkerCall]:
        """One request through the route service to the worker it picks, retrying failures that may pass."""
        access = self.endpoint_access()
        refreshed_key = False
        request_idx = ticket or 0
        failures = 0
        while True:
            try:
                reply = self.route(access, cost, request_idx)
            except EndpointKeyRefused:
                if refreshed_key:
                    raise
                access, refreshed_key = self.endpoint_access(refresh=True), True  # the key may have changed
                continue
            outcome = reply
            if not isinstance(reply, TransientEngineError):
                request_idx = reply.get("request_idx", request_idx)
                if "url" not in reply:
                    interval = random.uniform(0.1, settings.VASTAI_POLL_MAX_INTERVAL)  # noqa: S311
                    raise WorkerNotReady(COLD_START, ticket=request_idx, retry_after=interval)
                outcome = self.send(reply, path, payload)
                if not isinstance(outcome, TransientEngineError):
                    return outcome
            failures += 1
            if failures > settings.VASTAI_MAX_RETRIES:
                raise TransientEngineError(f"{outcome} (after {failures} tries)", outcome.call)
            time.sleep(backoff(failures))

    def send(self, auth_data: dict, path: str, payload: dict) -> tuple[dict, WorkerCall] | TransientEngineError:
        """One request to the worker the route chose. Returns a retryable failure instead of raising it."""
        url = auth_data["url"].rstrip("/")
        call = WorkerCall(worker_url=url, request_idx=auth_data.get("request_idx"))
        if not over_tls_or_loopback(url):
            logger.error("Vast.ai routed a request to %s, which is not HTTPS: not sent", url)
            raise EngineError("Vast.ai routed the request to a worker without TLS; it was not sent", call)
        try:
            verify = self.ssl_context() if url.startswith("https://") else True
        except (httpx.HTTPError, OSError, ssl.SSLError) as exc:
            return TransientEngineError(f"Vast.ai's root certificate could not be loaded: {exc}", call)
        started = time.monotonic()
        try:
            response = httpx.post(
                f"{url}{path}",
                json={"auth_data": auth_data, "payload": payload},
                timeout=settings.VASTAI_WORKER_TIMEOUT,
                verify=verify,
            )
        except httpx.TimeoutException as exc:
            latency = time.monotonic() - started
            logger.warning("Vast.ai worker %s did not answer within %.0fs: %r", url, latency, exc)
            call = WorkerCall(url, request_idx=call.request_idx, latency=latency)
            raise TransientEngineError(f"Vast.ai worker did not answer within {latency:.0f}s", call) from None
        except httpx.HTTPError as exc:
            logger.warning("Vast.ai worker %s unreachable: %r", url, exc)
            return TransientEngineError(f"Vast.ai worker unreachable: {transport_failure(exc)}", call)
        call = WorkerCall(
            url, request_idx=call.request_idx, http_status=response.status_code, latency=time.monotonic() - started
        )
        if response.status_code in (401, 422):
            logger.warning("Vast.ai worker %s answered %s: %s", url, response.status_code, response.text[:200])
            raise EngineError(
                f"Vast.ai worker rejected the request's credentials ({response.status_code}); "
                "check the endpoint and the worker's vastai version",
                call,
            )
        if response.status_code in RETRYABLE_STATUSES and response.status_code != 503:
            logger.warning("Vast.ai worker %s answered %s", url, response.status_code)
            return TransientEngineError(f"Vast.ai worker answered {response.status_code}", call)
        if response.status_code != 200:
            raise refusal(response, call)
        try:
            return response.json(), call
        except ValueError:
            logger.warning("Vast.ai worker %s answered with something other than JSON", url)
            return TransientEngineError("Vast.ai worker answered with something other than JSON", call)

    def synthesize(self, batch: Batch, ticket: int | None = None) -> BatchResult:
        answer, call = self.call("/synthesize", synthesis_payload(batch), batch.characters, ticket)
        return batch_result(answer, batch, call)

    def build_voice_prompt(self, reference: bytes, ref_text: str = "", ticket: int | None = None) -> BuiltPrompt:
        answer, call = self.call("/voices/prompt", prompt_payload(reference, ref_text), PROMPT_COST, ticket)
        return built_prompt(answer, call)
