import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import Company, Project, company_scoped


def generate_api_key() -> str:
    return secrets.token_urlsafe(32)


class Open311Client(models.Model):
    """An application (a city app, a partner's portal) that files service requests for one company through
    Open311 GeoReport v2 with its own API key."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("company"))
    name = models.CharField(_("name"), max_length=100)
    api_key = models.CharField(
        _("API key"),
        max_length=64,
        unique=True,
        default=generate_api_key,
        help_text=_("Sent by the client as api_key when it files a request; generated at random."),
    )
    default_project = models.ForeignKey(
        Project,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("default project"),
        help_text=_("Requests go here unless their address_id names a public area of another project."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = company_scoped()
    history = HistoricalRecords(excluded_fields=["api_key"])

    class Meta:
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")
        ordering = ["company", "name"]
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="open311_client_name_unique")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.default_project_id and self.company_id and self.default_project.company_id != self.company_id:
            raise ValidationError({"default_project": _("The project belongs to another company.")})
