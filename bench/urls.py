from django.http import JsonResponse
from django.urls import path

from libread_tts.urls import urlpatterns as service_urlpatterns


def floor(request):
    """What a Django view costs on this server with nothing of the service in it."""
    return JsonResponse({"status": "ok"})


urlpatterns = [path("bench/floor", floor), *service_urlpatterns]
