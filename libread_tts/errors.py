"""One error shape everywhere: ``{"error": "<human message>", "code": "<machine code>"}``."""

from django.http import JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class ServiceError(exceptions.APIException):
    """An error a service raises for the API to answer as it is."""

    def __init__(self, message: str, code: str, status_code: int = status.HTTP_400_BAD_REQUEST):
        super().__init__(detail=message, code=code)
        self.status_code = status_code
        self.error_code = code


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
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ServiceError):
        code = exc.error_code
    elif isinstance(exc, exceptions.ValidationError):
        code = first_code(exc.detail)
    else:
        code = exc.default_code
    response.data = {"error": first_message(exc.detail), "code": code}
    return response


def not_found(request, exception=None) -> JsonResponse:
    return JsonResponse({"error": "Not found", "code": "not_found"}, status=404)


def server_error(request) -> JsonResponse:
    return JsonResponse({"error": "Internal server error", "code": "server_error"}, status=500)
