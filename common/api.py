"""The API's building blocks, shared by every app's views: strict fields, parsers that refuse
what they cannot take with a 4xx, and content negotiation that always answers."""

import io

from django.conf import settings
from rest_framework import exceptions, negotiation, parsers, serializers, status


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers and other non-strings instead of converting them."""

    default_error_messages = {"not_a_string": "Must be a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


def size_checked(parser_context: dict | None) -> None:
    """Refuse a body over DATA_UPLOAD_MAX_MEMORY_SIZE before reading it: DRF streams request
    bodies to its parsers, past Django's own check."""
    request = (parser_context or {}).get("request")
    length = request.META.get("CONTENT_LENGTH") if request is not None else None
    if length and length.isdigit() and int(length) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        raise RequestTooLarge(f"The request body is over {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.")


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, bounded in size, refusing nesting too deep to parse as a 400."""

    def parse(self, stream, media_type=None, parser_context=None):
        size_checked(parser_context)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:  # a body sent without a length
            raise RequestTooLarge(f"The request body is over {limit} bytes.")
        try:
            return super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - nested too deeply") from None


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        size_checked(parser_context)
        return super().parse(stream, media_type, parser_context)


class AnsweringNegotiation(negotiation.DefaultContentNegotiation):
    """A client asking for a type the API does not render (a player asking for ``audio/*``) gets
    JSON rather than a 406: the audio views answer with files of their own, whatever was asked."""

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except exceptions.NotAcceptable:
            return renderers[0], renderers[0].media_type


class PublicIdConverter:
    """A job's or a voice's id in a URL: letters, digits and underscores, as ids are made. Any
    other path (a NUL byte, say, which PostgreSQL cannot even compare) is no route: a 404."""

    regex = "[A-Za-z0-9_]{1,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
