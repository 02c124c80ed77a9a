"""The record of every request that reached a GPU worker, with the price of its instance, and the
model each engine's workers answer with."""

from decimal import Decimal

from django.utils import timezone

from engines.base import WorkerCall
from engines.models import ModelInUse, WorkerRequest


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


def model_in_use_note(*, engine_name: str, voice_kind: str, model: str) -> None:
    """Remember the model a worker answered with; a write only when it changed."""
    if not model:
        return
    changed = ModelInUse.objects.filter(engine=engine_name, voice_kind=voice_kind).exclude(model=model)
    if not changed.update(model=model, updated_at=timezone.now()):
        ModelInUse.objects.get_or_create(engine=engine_name, voice_kind=voice_kind, defaults={"model": model})


def model_in_use(*, engine_name: str, voice_kind: str) -> str | None:
    return ModelInUse.objects.filter(engine=engine_name, voice_kind=voice_kind).values_list("model", flat=True).first()
