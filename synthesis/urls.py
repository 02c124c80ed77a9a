from django.urls import path, register_converter

from common.api import PublicIdConverter
from synthesis import apis
from voices.apis import VoiceCollectionApi, VoiceDetailApi

register_converter(PublicIdConverter, "public_id")

urlpatterns = [
    path("jobs", apis.JobCollectionApi.as_view(), name="jobs"),
    path("jobs/<public_id:job_id>", apis.JobDetailApi.as_view(), name="job"),
    path("jobs/<public_id:job_id>/cancel", apis.JobCancelApi.as_view(), name="job-cancel"),
    path("jobs/<public_id:job_id>/retry", apis.JobRetryApi.as_view(), name="job-retry"),
    path("jobs/<public_id:job_id>/audio.<str:audio_format>", apis.JobAudioApi.as_view(), name="job-audio"),
    path("jobs/<public_id:job_id>/segments/<int:index>", apis.SegmentAudioApi.as_view(), name="segment-audio"),
    path("voices", VoiceCollectionApi.as_view(), name="voices"),
    path("voices/<public_id:voice_id>", VoiceDetailApi.as_view(), name="voice"),
    path("health", apis.HealthApi.as_view(), name="health"),
]
