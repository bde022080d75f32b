import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gebiedsplan.settings")

app = Celery("gebiedsplan")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
