from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import Company, Project, company_scoped


class Notice(models.Model):
    """A notice (公告) a project publishes to its owners on the /m/ pages."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+", verbose_name=_("company"))
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="notices", verbose_name=_("project"))
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("body"))
    is_pinned = models.BooleanField(_("pinned"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("author")
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = company_scoped()

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-is_pinned", "-published_at", "-created"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.published_at is not None
