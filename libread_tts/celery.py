import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "libread_tts.settings")

app = Celery("libread_tts")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
