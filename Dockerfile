# The jobs service: web (gunicorn), Celery worker and beat share this image. No torch here: the
# GPU side is gpu_worker/Dockerfile. The build context is the repository, filtered by
# .dockerignore (tests/deploy/test_web_image.py assembles it and runs what the image runs).
FROM python:3.11.13-slim-bookworm

ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 TTS_VAR_DIR=/data
WORKDIR /app

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
RUN SECRET_KEY=collectstatic STATIC_ROOT=/app/static python manage.py collectstatic --no-input --verbosity 0

RUN useradd --create-home --uid 1000 tts && mkdir -p /data && chown tts /data
USER tts
ENV STATIC_ROOT=/app/static
EXPOSE 8000
# Threads and workers from WEB_CONCURRENCY and WEB_THREADS (libread_tts/gunicorn.py): a slow
# audio download holds a thread, not a process that pollers need.
CMD ["gunicorn", "libread_tts.wsgi", "--config", "python:libread_tts.gunicorn"]
