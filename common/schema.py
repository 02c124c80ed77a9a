"""What the OpenAPI schema says of every answer in the error shape."""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class Error(serializers.Serializer):
    error = serializers.CharField(help_text="What went wrong, for a person to read.")
    code = serializers.CharField(help_text="What went wrong, for a program: a stable word such as `text_too_long`.")


ERROR_MEANINGS = {
    400: "The request is not valid; `code` names the check that failed.",
    401: "No API key, or one that is invalid or revoked: send `Authorization: Bearer <key>`.",
    402: "The account's monthly budget does not cover the job's estimate; the message gives the figures.",
    403: "The account is inactive.",
    404: "Nothing of that id belongs to the key's account.",
    409: "It cannot be done in the state it is in; the message says why.",
    413: "The text, the body or the reference audio is too large.",
    415: "The body is not JSON (or multipart, where files are taken).",
    416: "The range is outside the audio.",
    429: "Too many requests, or too many jobs running; `Retry-After` says when to try again.",
    503: "The engine is not configured; health lists what is missing.",
}
KEYED = (401, 403)  # every operation that takes an API key may answer these


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    return {status: OpenApiResponse(Error, description=ERROR_MEANINGS[status]) for status in statuses}
