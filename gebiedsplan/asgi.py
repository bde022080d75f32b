import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gebiedsplan.settings")
django_application = get_asgi_application()

from gebiedsplan.asgi_limits import BodySizeLimitMiddleware  # noqa: E402 (after setup)

application = BodySizeLimitMiddleware(django_application)
