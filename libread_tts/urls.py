from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/tts/v1/tts/", include("synthesis.urls")),
    path("v1/", include("speech.urls")),  # OpenAI's paths, as its clients call them
    path(
        "api/tts/v1/schema",
        SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[AllowAny]),
        name="schema",
    ),
    path(
        "api/tts/v1/docs",
        SpectacularSwaggerView.as_view(url_name="schema", authentication_classes=[], permission_classes=[AllowAny]),
        name="docs",
    ),
]

handler400 = "libread_tts.errors.bad_request"
handler403 = "libread_tts.errors.permission_denied"
handler404 = "libread_tts.errors.not_found"
handler500 = "libread_tts.errors.server_error"
