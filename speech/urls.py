from django.urls import path

from speech import apis

urlpatterns = [
    path("audio/speech", apis.SpeechApi.as_view(), name="openai-speech"),
    path("audio/voices", apis.VoicesApi.as_view(), name="openai-voices"),
    path("models", apis.ModelsApi.as_view(), name="openai-models"),
]
