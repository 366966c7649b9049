"""Photo uploads: checked, stripped of metadata, re-encoded upright, with a JPEG thumbnail."""

import io
import warnings
from dataclasses import dataclass
from typing import IO

import pi_heif
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageFile, ImageOps

# HEIC/HEIF is what iPhones take by default. pi-heif (BSD) only decodes; pillow-heif is GPL.
pi_heif.register_heif_opener()

PHOTO_THUMB_SIZE = 320
# Longest side of the stored photo. Phones take 4000–8000 px; 2560 px still shows a crack or a
# stain when zoomed in, and keeps a stored photo around 1 MB instead of 5–10 MB.
PHOTO_MAX_SIDE = 2560
PHOTO_JPEG_QUALITY = 85
PHOTO_THUMB_QUALITY = 80

# Format found by Pillow in the content -> (format stored, content type, extension).
_OUTPUTS = {
    "JPEG": ("JPEG", "image/jpeg", "jpg"),
    # Many cameras write multi-picture JPEGs (with a preview frame); Pillow calls them MPO.
    "MPO": ("JPEG", "image/jpeg", "jpg"),
    "PNG": ("PNG", "image/png", "png"),
    "WEBP": ("WEBP", "image/webp", "webp"),
    # Browsers cannot show HEIC, so it is stored as JPEG.
    "HEIF": ("JPEG", "image/jpeg", "jpg"),
}

PHOTO_TOO_LARGE = _("The photo is larger than %(limit)s MB.")
PHOTO_EMPTY = _("The photo file is empty.")
PHOTO_NOT_IMAGE = _("The file is not a photo, or it is damaged.")
PHOTO_TYPE = _("Photos must be JPEG, PNG, WebP or HEIC; this file is %(format)s.")
PHOTO_TOO_MANY_PIXELS = _("The photo has more than %(limit)s million pixels.")


@dataclass(frozen=True)
class ProcessedPhoto:
    content: bytes
    thumbnail: bytes
    width: int
    height: int
    content_type: str
    extension: str


def process_photo(upload: IO[bytes]) -> ProcessedPhoto:
    """Check an uploaded photo and return clean bytes to store, plus a thumbnail.

    `upload` is an UploadedFile or any file-like object with .read() (.size and .name are optional;
    the name and the declared content type are never trusted: the type comes from the content).

    Raises ValidationError with one of these codes:
    photo_too_large (over settings.PHOTO_MAX_BYTES, checked before decoding), photo_empty,
    photo_not_image (unreadable, truncated or corrupt), photo_type (not JPEG, PNG, WebP or HEIC),
    photo_too_many_pixels (width × height over settings.PHOTO_MAX_PIXELS, checked before decoding).

    The stored photo is turned upright by its EXIF orientation, then re-encoded without EXIF
    (GPS location, camera serial), XMP or comments; only the ICC colour profile is kept.
    HEIC becomes JPEG, PNG stays PNG, WebP stays WebP. Photos larger than PHOTO_MAX_SIDE on their
    longest side are scaled down. The thumbnail is always a JPEG, transparency flattened on white,
    at most PHOTO_THUMB_SIZE on its longest side (small photos are not enlarged).
    """
    img = _decode(_read_limited(upload))
    stored_format, content_type, extension = _OUTPUTS[img.format]
    icc_profile = img.info.get("icc_profile") if img.mode != "CMYK" else None
    img = ImageOps.exif_transpose(img)
    # The copy carries EXIF, XMP and comments over, and the JPEG encoder writes a comment from
    # .info; keep only the transparent colour of palette and grey PNGs.
    img.info = {k: v for k, v in img.info.items() if k == "transparency"}
    if max(img.size) > PHOTO_MAX_SIDE:
        img = _downscale(img)
    if stored_format == "JPEG" and img.mode not in ("RGB", "L"):
        img = _rgb_on_white(img)
    return ProcessedPhoto(
        content=_encode(img, stored_format, icc_profile=icc_profile),
        thumbnail=_thumbnail(img),
        width=img.width,
        height=img.height,
        content_type=content_type,
        extension=extension,
    )


def _read_limited(upload: IO[bytes]) -> bytes:
    limit = settings.PHOTO_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise _too_large(limit)
    if hasattr(upload, "seek"):
        upload.seek(0)
    # .size can be missing or wrong (a stream), so never read more than one byte past the limit.
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise _too_large(limit)
    if not data:
        raise ValidationError(PHOTO_EMPTY, code="photo_empty")
    return data


def _too_large(limit: int) -> ValidationError:
    mb = f"{limit / (1024 * 1024):g}"
    return ValidationError(PHOTO_TOO_LARGE, code="photo_too_large", params={"limit": mb})


def _decode(data: bytes) -> Image.Image:
    # A truncated upload is an error, whatever another library set: WeasyPrint's import turns
    # Pillow's process-wide LOAD_TRUNCATED_IMAGES on (plans' QR sheets import it).
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    # Pillow's own bomb check warns at ~89 Mpx and fails at twice that; make both an error here.
    # (catch_warnings is process-wide, which only matters to other code decoding huge images.)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data))  # reads the header only
            _check_header(img)
            if img.format in ("JPEG", "MPO"):
                # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when that still leaves PHOTO_MAX_SIDE.
                img.draft(img.mode, (PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            img.load()
        except ValidationError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _too_many_pixels() from exc
        except Image.UnidentifiedImageError as exc:
            raise _unidentified(data) from exc
        except Exception as exc:  # decoders raise many types on corrupt input (as Django's ImageField)
            raise ValidationError(PHOTO_NOT_IMAGE, code="photo_not_image") from exc
    return img


def _check_header(img: Image.Image) -> None:
    if img.format not in _OUTPUTS:
        raise ValidationError(PHOTO_TYPE, code="photo_type", params={"format": img.format})
    if img.width * img.height > settings.PHOTO_MAX_PIXELS:
        raise _too_many_pixels()


def _too_many_pixels() -> ValidationError:
    mp = f"{settings.PHOTO_MAX_PIXELS / 1_000_000:g}"
    return ValidationError(PHOTO_TOO_MANY_PIXELS, code="photo_too_many_pixels", params={"limit": mp})


def _unidentified(data: bytes) -> ValidationError:
    # Pillow cannot open PDF or SVG at all; name them so the user learns what to upload instead.
    head = data[:1024].lstrip().lower()
    if head.startswith(b"%pdf-"):
        return ValidationError(PHOTO_TYPE, code="photo_type", params={"format": "PDF"})
    if b"<svg" in head:
        return ValidationError(PHOTO_TYPE, code="photo_type", params={"format": "SVG"})
    return ValidationError(PHOTO_NOT_IMAGE, code="photo_not_image")


def _downscale(img: Image.Image) -> Image.Image:
    if img.mode in ("1", "P"):
        img = img.convert("RGBA")  # resizing palette images would fall back to nearest-neighbour
    img.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE), Image.Resampling.LANCZOS)
    return img


def _rgb_on_white(img: Image.Image) -> Image.Image:
    if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
        rgba = img.convert("RGBA")
        flat = Image.new("RGB", img.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return img.convert("RGB")


def _thumbnail(img: Image.Image) -> bytes:
    thumb = _rgb_on_white(img)  # always a new image, so the stored one is not resized
    thumb.thumbnail((PHOTO_THUMB_SIZE, PHOTO_THUMB_SIZE), Image.Resampling.LANCZOS)
    return _encode(thumb, "JPEG", quality=PHOTO_THUMB_QUALITY)


def _encode(
    img: Image.Image, fmt: str, *, icc_profile: bytes | None = None, quality: int = PHOTO_JPEG_QUALITY
) -> bytes:
    # No exif=, xmp= or pnginfo= arguments: Pillow writes those only when asked.
    params: dict = {"icc_profile": icc_profile} if icc_profile else {}
    if fmt in ("JPEG", "WEBP"):
        params["quality"] = quality
    buf = io.BytesIO()
    img.save(buf, format=fmt, **params)
    return buf.getvalue()
