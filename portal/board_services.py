"""Writes of the owner board: its public link, switched on, rotated and switched off.

The project manager, the quality manager and the company admin decide what the project publishes
to its owners (``notices.manage``, the same people who publish notices), so they hold the link too.
"""

import secrets

from django.db import transaction
from django.utils import timezone

from core.access import require_perm
from core.choices import Perm
from core.models import Project
from portal.models import BoardLink

# 32 random bytes, URL-safe base64: 43 characters, not guessable and not enumerable.
TOKEN_BYTES = 32


def _new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def _locked_link(*, project: Project, actor) -> BoardLink:
    require_perm(actor, Perm.NOTICES_MANAGE, company_id=project.company_id, project_id=project.pk)
    link, _created = BoardLink.objects.get_or_create(
        project=project, defaults={"company_id": project.company_id, "updated_by": actor}
    )
    return BoardLink.objects.select_for_update().get(pk=link.pk)


def _save(link: BoardLink, actor) -> BoardLink:
    link.updated_by = actor
    link._history_user = actor  # simple_history: who, also outside a request (commands, tests)
    link.full_clean()
    link.save()
    return link


def _issue(link: BoardLink, actor) -> BoardLink:
    link.token = _new_token()
    link.enabled_at = timezone.now()
    return _save(link, actor)


@transaction.atomic
def board_link_enable(*, project: Project, actor) -> BoardLink:
    """Switch the public link on; a link that is already on keeps its token (idempotent)."""
    link = _locked_link(project=project, actor=actor)
    return link if link.token else _issue(link, actor)


@transaction.atomic
def board_link_rotate(*, project: Project, actor) -> BoardLink:
    """A new token: the old link answers 404 from now on. Rotating a link that is off switches it on."""
    return _issue(_locked_link(project=project, actor=actor), actor)


@transaction.atomic
def board_link_disable(*, project: Project, actor) -> BoardLink:
    """Switch the public link off: the token is forgotten, so no old link works again."""
    link = _locked_link(project=project, actor=actor)
    link.token = None
    link.enabled_at = None
    return _save(link, actor)
