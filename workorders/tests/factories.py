"""Helpers that build work orders through the real services."""

from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from workorders import services
from workorders.choices import Kind
from workorders.models import Category


def category(company, code: str = "water-leak") -> Category:
    return Category.objects.get(company=company, code=code)


def report(tc, *, actor=None, **data):
    """An owner's repair for his unit unless told otherwise."""
    actor = actor or tc.owner
    data.setdefault("kind", Kind.REPAIR)
    data.setdefault("description", "厨房水龙头一直在滴水")
    if actor == tc.owner and "unit" not in data and "area" not in data:
        data["unit"] = tc.unit
    photos = data.pop("photos", ())
    return services.workorder_create(project=data.pop("project", tc.project), data=data, actor=actor, photos=photos)


def jpeg(name: str = "photo.jpg", size=(64, 48), color="red") -> SimpleUploadedFile:
    buf = BytesIO()
    Image.new("RGB", size, color).save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")
