from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from accounts.forms import LoginForm
from accounts.services import api_token_regenerate
from core.access import access_for


def landing_url(user) -> str:
    """Staff land on the staff UI; owners (with no staff role) on their phone pages."""
    access = access_for(user)
    if access.is_staff_member or user.is_superuser:
        return reverse("home")
    return reverse("portal:home")


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return landing_url(self.request.user)


class OwnerLoginView(LoginView):
    template_name = "portal/login.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        messages.success(self.request, _("Your password has been changed."))
        return super().form_valid(form)


@login_required
def profile(request):
    token = Token.objects.filter(user=request.user).first()
    return render(request, "accounts/profile.html", {"token": token})


@require_POST
@login_required
def token_regenerate(request):
    api_token_regenerate(user=request.user, actor=request.user)
    messages.success(request, _("A new API token has been created; the old one no longer works."))
    return redirect("accounts:profile")
