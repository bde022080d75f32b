from django.conf import settings
from django.utils import translation


def chosen_language(request) -> str:
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    supported = {code for code, _ in settings.LANGUAGES}
    return chosen if chosen in supported else settings.LANGUAGE_CODE


class LanguageMiddleware:
    """Dutch for everyone unless they chose another language with the switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language, which turns a
    Dutch team's plan into English figures (76.1) on any English-language laptop.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = chosen_language(request)
        request.LANGUAGE_CODE = language
        # override, not activate: the language is the thread's until the next request
        # otherwise, and a response made before this middleware (the 413) took the
        # previous visitor's.
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class RequestSizeLimitMiddleware:
    """Refuse a request body larger than any upload we accept before anything reads it.

    Django streams file uploads to disk while parsing the body, and the CSRF check parses
    it before any view runs, so a limit checked in the view comes after the whole file
    has been written. The reverse proxy should enforce the same limit.
    """

    # Room for the multipart envelope and the other form fields.
    MARGIN = 256 * 1024

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.IMPORT_MAX_BYTES + self.MARGIN:
            from django.shortcuts import render

            limit_mb = settings.IMPORT_MAX_BYTES // (1024 * 1024)
            with translation.override(chosen_language(request)):
                return render(request, "413.html", {"limit_mb": limit_mb}, status=413)
        return self.get_response(request)


class PrivateCacheControlMiddleware:
    """`Cache-Control: private, no-store` on every page and file we generate.

    Pages and PDFs show one person's areas; a shared computer's browser cache or a proxy
    must not keep them. Static files are served above this middleware (WhiteNoise) with
    their own far-future headers. A view that sets Cache-Control itself is left alone.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "private, no-store"
        return response

