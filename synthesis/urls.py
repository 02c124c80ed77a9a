from django.urls import path

from synthesis import apis
from voices.apis import VoiceCollectionApi, VoiceDetailApi

urlpatterns = [
    path("jobs", apis.JobCollectionApi.as_view(), name="jobs"),
    path("jobs/<str:job_id>", apis.JobDetailApi.as_view(), name="job"),
    path("jobs/<str:job_id>/cancel", apis.JobCancelApi.as_view(), name="job-cancel"),
    path("jobs/<str:job_id>/retry", apis.JobRetryApi.as_view(), name="job-retry"),
    path("jobs/<str:job_id>/audio.<str:audio_format>", apis.JobAudioApi.as_view(), name="job-audio"),
    path("jobs/<str:job_id>/segments/<int:index>", apis.SegmentAudioApi.as_view(), name="segment-audio"),
    path("voices", VoiceCollectionApi.as_view(), name="voices"),
    path("voices/<str:voice_id>", VoiceDetailApi.as_view(), name="voice"),
    path("health", apis.HealthApi.as_view(), name="health"),
]
