from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

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


class BoardLink(models.Model):
    """The public link of a project's owner board (业主决策平台): anyone holding ``token`` reads the
    board at /m/board/<token>/ while it is set. Switching the link off clears the token; switching it
    on again, or rotating it, issues a new one, so an old link never comes back to life.

    Changed only through portal.board_services (project manager, quality manager, company admin).
    """

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+", verbose_name=_("company"))
    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, related_name="board_link", verbose_name=_("project")
    )
    token = models.CharField(_("token"), max_length=64, unique=True, null=True, blank=True, editable=False)
    enabled_at = models.DateTimeField(_("link issued at"), null=True, blank=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("changed by")
    )

    objects = company_scoped()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("public board link")
        verbose_name_plural = _("public board links")

    def __str__(self) -> str:
        return str(self.project)

    @property
    def is_public(self) -> bool:
        return bool(self.token)
