from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accounts.services import login_failure_record, login_is_throttled, login_success_clear, login_throttled_message


def client_ip(request) -> str:
    # Behind nginx the real address is in X-Forwarded-For; docs/deploy.md sets it.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "") if request else ""
    return forwarded.split(",")[0].strip() or (request.META.get("REMOTE_ADDR", "") if request else "")


class LoginForm(AuthenticationForm):
    """Sign-in with mobile number or username; throttled after repeated failures."""

    username = forms.CharField(
        label=_("Mobile number or username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    def clean(self):
        identifier = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request)
        if login_is_throttled(identifier=identifier, ip=ip):
            raise forms.ValidationError(login_throttled_message(), code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            login_failure_record(identifier=identifier, ip=ip)
            raise
        login_success_clear(identifier=identifier, ip=ip)
        return cleaned
