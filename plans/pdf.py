"""Printable QR codes of checkpoints: an A4 sheet (PDF) to cut up and stick at each place.

Each code encodes the absolute short link ``/c/<code>/``: a phone camera or WeChat opens it, and
the signed-in staff member lands on the check-in of his task there (plans.task_views.checkpoint_scan).
QR images come from segno (SVG); WeasyPrint lays the HTML out and writes the PDF with the system's
CJK font (Debian fonts-noto-cjk). WeasyPrint is imported when a sheet is made: it loads Pango,
which a machine that never prints need not have.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import segno
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core.models import Project
from plans.models import Checkpoint

PER_PAGE = 12  # 3 × 4 on A4 portrait; the template's grid matches


@dataclass(frozen=True)
class Label:
    checkpoint: Checkpoint
    url: str
    image: str  # data: URI of the QR code (SVG)


def scan_url(request: HttpRequest, checkpoint: Checkpoint) -> str:
    return request.build_absolute_uri(reverse("tasks:checkpoint_scan", args=[checkpoint.code]))


def qr_data_uri(url: str) -> str:
    # Level M at least (segno raises it when the version has room): a sticker survives some dirt.
    return segno.make(url, error="m", micro=False).svg_data_uri(scale=4, border=0)


def labels(request: HttpRequest, checkpoints: Sequence[Checkpoint]) -> list[Label]:
    result = []
    for checkpoint in checkpoints:
        url = scan_url(request, checkpoint)
        result.append(Label(checkpoint=checkpoint, url=url, image=qr_data_uri(url)))
    return result


def sheet_html(
    *, request: HttpRequest, checkpoints: Sequence[Checkpoint], title: str, project: Project, large: bool = False
) -> str:
    items = labels(request, checkpoints)
    pages = [items[i : i + PER_PAGE] for i in range(0, len(items), PER_PAGE)] or [[]]
    context = {
        "title": title,
        "project": project,
        "pages": pages,
        "large": large,
        "printed": timezone.localtime(timezone=project.company.zone),
    }
    return render_to_string("plans/qr/sheet.html", context, request=request)


def checkpoint_sheet(
    *, request: HttpRequest, checkpoints: Sequence[Checkpoint], title: str, project: Project, large: bool = False
) -> bytes:
    """The PDF of ``checkpoints``' QR codes, twelve to an A4 page (one big code with ``large``)."""
    from PIL import ImageFile
    from weasyprint import HTML

    ImageFile.LOAD_TRUNCATED_IMAGES = False  # WeasyPrint's import turns it on for the whole process

    html = sheet_html(request=request, checkpoints=checkpoints, title=title, project=project, large=large)
    return HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()


def response(body: bytes, *, filename: str) -> HttpResponse:
    result = HttpResponse(body, content_type="application/pdf")
    result["Content-Disposition"] = f'inline; filename="{filename}"'
    return result
