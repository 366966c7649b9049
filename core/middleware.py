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
