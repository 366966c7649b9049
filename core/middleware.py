from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import check_for_language
from django_scopes import scope, scopes_disabled

from core.access import access_for


class TenantScopeMiddleware:
    """Activates the django-scopes company scope for the signed-in user's companies.

    Anonymous requests get an empty scope, so a tenant query they reach returns nothing.
    API views authenticate later (tokens) and re-enter the scope themselves (api.base).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.is_superuser:
            with scopes_disabled():
                return self.get_response(request)
        with scope(company=access_for(user).scope_company_ids()):
            return self.get_response(request)


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Chinese unless the user chose otherwise: the language cookie (set by /i18n/setlang/)
    wins, else LANGUAGE_CODE (zh-hans). The browser's Accept-Language is ignored on purpose:
    staff phones and office PCs often send en-US, and the product is Chinese-first."""

    def process_request(self, request):
        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if code not in dict(settings.LANGUAGES) or not check_for_language(code):
            code = settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = translation.get_language()
