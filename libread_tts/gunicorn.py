"""gunicorn's settings for the web service (``--config python:libread_tts.gunicorn``).

Threads, not processes, carry requests: LibRead polls every job twice a second while audio
downloads stream for seconds, and a thread waiting on a client costs little.
"""

from libread_tts.env import env, env_int

bind = f"0.0.0.0:{env('PORT') or '8000'}"
worker_class = "gthread"
workers = env_int("WEB_CONCURRENCY", 2, minimum=1)
threads = env_int("WEB_THREADS", 8, minimum=1)
accesslog = "-"
# A stopping web process finishes what it is sending, within compose's grace period.
graceful_timeout = 30
