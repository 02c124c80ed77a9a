"""The HTTP edge's one error shape: ``{"error": "<human message>", "code": "<machine code>"}``.

Services raise the domain's errors (``common.errors``); this is the one place that gives each kind
its status code. DRF's own exceptions (authentication, throttling, parsing, validation) get the
same shape.
"""

from django.http import JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from common import errors

STATUS_OF_KIND = {
    errors.InvalidInput: status.HTTP_400_BAD_REQUEST,
    errors.OverBudget: status.HTTP_402_PAYMENT_REQUIRED,
    errors.NotFound: status.HTTP_404_NOT_FOUND,
    errors.Conflict: status.HTTP_409_CONFLICT,
    errors.TooLarge: status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    errors.LimitReached: status.HTTP_429_TOO_MANY_REQUESTS,
    errors.NotConfigured: status.HTTP_503_SERVICE_UNAVAILABLE,
}


def status_of(error: errors.DomainError) -> int:
    return next(code for kind, code in STATUS_OF_KIND.items() if isinstance(error, kind))


def first_message(detail) -> str:
    if isinstance(detail, dict):
        field, value = next(iter(detail.items()))
        message = first_message(value)
        return message if field == "non_field_errors" else f"{field}: {message}"
    if isinstance(detail, list):
        return first_message(detail[0]) if detail else "invalid input"
    return str(detail)


def first_code(detail) -> str:
    if isinstance(detail, dict):
        return first_code(next(iter(detail.values())))
    if isinstance(detail, list):
        return first_code(detail[0]) if detail else "invalid"
    return getattr(detail, "code", "invalid")


def exception_handler(exc, context) -> Response | None:
    if isinstance(exc, errors.DomainError):
        return Response({"error": exc.message, "code": exc.code}, status=status_of(exc))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = first_code(exc.detail) if isinstance(exc, exceptions.ValidationError) else exc.default_code
    response.data = {"error": first_message(exc.detail), "code": code}
    return response


def not_found(request, exception=None) -> JsonResponse:
    return JsonResponse({"error": "Not found", "code": "not_found"}, status=404)


def server_error(request) -> JsonResponse:
    return JsonResponse({"error": "Internal server error", "code": "server_error"}, status=500)
