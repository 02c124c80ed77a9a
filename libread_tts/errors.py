"""The HTTP edge's one error shape: ``{"error": "<human message>", "code": "<machine code>"}``.

Services raise the domain's errors (``common.errors``); this is the one place that gives each kind
its status code. DRF's own exceptions (authentication, throttling, parsing, validation), Django's
(a foreign Host, a body over the upload limit, too many form fields) and unknown paths get the
same shape, always as JSON, whatever the client asked for.
"""

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
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


def error_response(message: str, code: str, status_code: int, headers=None) -> JsonResponse:
    response = JsonResponse({"error": message, "code": code}, status=status_code)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def exception_handler(exc, context) -> JsonResponse | None:
    """DRF's handler, answering in the one shape: a plain JSON response, so no renderer the
    client negotiated (the schema's YAML, say) ever renders an error."""
    if isinstance(exc, errors.DomainError):
        return error_response(exc.message, exc.code, status_of(exc))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = first_code(exc.detail) if isinstance(exc, exceptions.ValidationError) else exc.default_code
    headers = {name: value for name, value in response.items() if name in ("WWW-Authenticate", "Retry-After")}
    return error_response(first_message(exc.detail), code, response.status_code, headers)


def bad_request(request, exception=None) -> JsonResponse:
    if isinstance(exception, RequestDataTooBig):
        return error_response("The request body is too large", "request_too_large", 413)
    return error_response("Bad request", "bad_request", 400)


def permission_denied(request, exception=None) -> JsonResponse:
    return error_response("Forbidden", "permission_denied", 403)


def not_found(request, exception=None) -> JsonResponse:
    return error_response("Not found", "not_found", 404)


def server_error(request) -> JsonResponse:
    return error_response("Internal server error", "server_error", 500)
