from django.conf import settings
from django.utils import translation


class LanguageMiddleware:
    """Dutch for everyone unless they chose another language with the switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language, which turns a
    Dutch team's plan into English figures (76.1) on any English-language laptop.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _ in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
