"""The record of every request that reached a GPU worker, with the price of its instance."""

from decimal import Decimal

from engines.base import WorkerCall
from engines.models import WorkerRequest


def worker_request_record(
    *,
    engine_name: str,
    call: WorkerCall,
    price_per_hour: Decimal | None,
    job_public_id: str = "",
    segment_indexes: list[int] | None = None,
    characters: int = 0,
    gpu_seconds: float | None = None,
    error: str = "",
    answer_lost: bool = False,
) -> WorkerRequest:
    return WorkerRequest.objects.create(
        job_public_id=job_public_id,
        engine=engine_name,
        segment_indexes=segment_indexes or [],
        characters=characters,
        worker_url=call.worker_url,
        instance_id=call.instance_id,
        model=call.model,
        request_idx=call.request_idx,
        http_status=call.http_status,
        latency=call.latency,
        gpu_seconds=gpu_seconds,
        price_per_hour=price_per_hour,
        error=error,
        answer_lost=answer_lost,
    )
