from django.db import transaction

from . import history


class RevisionMiddleware:
    """A write request runs in one transaction, and what it changes in plans is one
    revision of their history, with who made it (plans.history.revision): as
    django-reversion's RevisionMiddleware did, with the history's own way of writing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in {"GET", "HEAD", "OPTIONS"}:
            return self.get_response(request)
        with transaction.atomic(), history.revision() as opened:
            opened.user = getattr(request, "user", None)  # read when a save stores its revision itself
            response = self.get_response(request)
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                opened.user_id = user.pk
            return response
