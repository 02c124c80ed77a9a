"""Serving audio files: ETag, conditional GET and single byte ranges (players seek with them)."""

import re
from pathlib import Path

from django.http import FileResponse, HttpResponse, JsonResponse, StreamingHttpResponse

# Eighteen digits address any file; a longer number is no range (and would overflow int()'s digit limit).
RANGE = re.compile(r"^bytes=(\d{0,18})-(\d{0,18})$")
CHUNK = 64 * 1024


def file_slice(path: Path, start: int, length: int):
    with path.open("rb") as source:
        source.seek(start)
        while length > 0:
            chunk = source.read(min(CHUNK, length))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk


def byte_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single ``bytes=`` range, or None when it cannot be satisfied."""
    match = RANGE.match(header.strip())
    if not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":  # the last N bytes
        length = int(last)
        return (max(size - length, 0), size - 1) if length and size else None
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    return (start, end) if start <= end and start < size else None


def matches(request, etag: str) -> bool:
    """Whether the request's If-None-Match names this (strong, quoted) ETag, weakly or not."""
    tags = [tag.strip().removeprefix("W/") for tag in request.headers.get("If-None-Match", "").split(",")]
    return etag in tags or "*" in tags


def not_modified(validators: dict[str, str]) -> HttpResponse:
    response = HttpResponse(status=304)
    for name, value in validators.items():
        response[name] = value
    return response


def audio_file_response(request, path: Path, content_type: str, etag: str, filename: str) -> HttpResponse:
    etag = f'"{etag}"'
    if matches(request, etag):
        return not_modified({"ETag": etag})
    size = path.stat().st_size
    range_header = request.headers.get("Range")
    if range_header:
        bounds = byte_range(range_header, size)
        if bounds is None:
            response = JsonResponse(
                {
                    "error": f"Range {range_header!r} cannot be served from {size} bytes",
                    "code": "range_not_satisfiable",
                },
                status=416,
            )
            response["Content-Range"] = f"bytes */{size}"
            return response
        first, last = bounds
        response = StreamingHttpResponse(file_slice(path, first, last - first + 1), status=206)
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
        response["Content-Length"] = str(last - first + 1)
    else:
        response = FileResponse(path.open("rb"))
        response["Content-Length"] = str(size)
    response["Content-Type"] = content_type
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Cache-Control"] = "private, max-age=3600"
    return response
