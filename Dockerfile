# The jobs service: web (gunicorn), Celery worker and beat share this image. No torch here: the
# GPU side is gpu_worker/Dockerfile.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 TTS_VAR_DIR=/data
WORKDIR /app

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY manage.py .
COPY libread_tts/ libread_tts/
COPY accounts/ accounts/
COPY synthesis/ synthesis/
COPY voices/ voices/
RUN SECRET_KEY=collectstatic python manage.py collectstatic --no-input --verbosity 0

RUN useradd --create-home --uid 1000 tts && mkdir -p /data && chown tts /data
USER tts
EXPOSE 8000
CMD ["gunicorn", "libread_tts.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
