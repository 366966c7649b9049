"""Base classes for API views: tenant scope after DRF authentication.

The TenantScopeMiddleware runs before DRF authenticates a token, so API views enter the
company scope themselves once ``request.user`` is known. Every API view inherits
TenantApiMixin (the isolation test walks all routes and would fail on a ScopeError).
"""

from django_scopes import scope, scopes_disabled
from rest_framework import viewsets
from rest_framework.views import APIView

from core.access import access_for


class TenantApiMixin:
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        user = request.user
        if user.is_authenticated and user.is_superuser:
            self._tenant_scope = scopes_disabled()
        else:
            self._tenant_scope = scope(company=access_for(user).scope_company_ids())
        self._tenant_scope.__enter__()

    def finalize_response(self, request, response, *args, **kwargs):
        tenant_scope = getattr(self, "_tenant_scope", None)
        if tenant_scope is not None:
            self._tenant_scope = None
            tenant_scope.__exit__(None, None, None)
        return super().finalize_response(request, response, *args, **kwargs)


class TenantApi(TenantApiMixin, APIView):
    pass


class TenantViewSet(TenantApiMixin, viewsets.GenericViewSet):
    pass
