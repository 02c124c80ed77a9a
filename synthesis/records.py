"""Recording a request to a GPU worker, and billing it: one place for jobs and clone prompts."""

from billing.services import usage_record_work
from synthesis.engines.base import Engine, WorkerCall
from synthesis.models import SynthesisJob, WorkerRequest


def worker_call_record(
    *,
    engine: Engine,
    call: WorkerCall,
    account_id: int,
    job: SynthesisJob | None = None,
    segment_indexes: list[int] | None = None,
    characters: int = 0,
    gpu_seconds: float | None = None,
    audio_seconds: float = 0.0,
    error: str = "",
) -> WorkerRequest:
    price = engine.price_per_hour(call.instance_id)
    # The job may have been deleted while its batch was on the GPU; the record and the bill stay.
    still_there = job is not None and SynthesisJob.objects.filter(pk=job.pk).exists()
    worker_request = WorkerRequest.objects.create(
        job=job if still_there else None,
        job_public_id=job.public_id if job else "",
        engine=engine.name,
        segment_indexes=segment_indexes or [],
        characters=characters,
        worker_url=call.worker_url,
        instance_id=call.instance_id,
        model=call.model,
        request_idx=call.request_idx,
        http_status=call.http_status,
        latency=call.latency,
        gpu_seconds=gpu_seconds,
        price_per_hour=price,
        error=error,
    )
    usage_record_work(
        worker_request=worker_request, account_id=account_id, audio_seconds=audio_seconds, price_per_hour=price
    )
    return worker_request
