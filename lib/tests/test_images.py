import io
import os
from unittest import mock

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import SimpleTestCase, override_settings
from django.utils import translation
from PIL import ExifTags, Image, ImageCms

from lib.images import PHOTO_MAX_SIDE, PHOTO_THUMB_SIZE, process_photo


def encode(img: Image.Image, fmt: str, **params) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **params)
    return buf.getvalue()


def upload(content: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def noise(size: tuple[int, int]) -> Image.Image:
    # Random pixels compress badly, so the encoded file is long enough to cut in half.
    return Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))


def jpeg_with_location(size: tuple[int, int], orientation: int) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "Phone maker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (31.0, 14.0, 0.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (121.0, 28.0, 0.0)
    img = Image.new("RGB", size, "white")
    img.paste((255, 0, 0), (0, 0, 10, 10))  # a red mark in the top-left corner as taken
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">secret-place</x:xmpmeta>'
    return encode(img, "JPEG", exif=exif, xmp=xmp, comment=b"secret-comment")


class ProcessPhotoTests(SimpleTestCase):
    def setUp(self) -> None:
        # The messages are compared in English; the zh_Hans catalogue has them too (test_i18n).
        self.enterContext(translation.override("en"))

    def assertRejected(self, code: str, content: bytes, name: str = "photo.jpg") -> ValidationError:
        with self.assertRaises(ValidationError) as cm:
            process_photo(upload(content, name))
        self.assertEqual(cm.exception.code, code)
        return cm.exception

    def test_it_strips_exif_and_location_and_turns_the_photo_upright(self):
        original = jpeg_with_location((60, 40), orientation=6)
        self.assertIn(ExifTags.IFD.GPSInfo, Image.open(io.BytesIO(original)).getexif())

        photo = process_photo(upload(original))

        stored = Image.open(io.BytesIO(photo.content))
        self.assertEqual(dict(stored.getexif()), {})
        for data in (photo.content, photo.thumbnail):
            self.assertNotIn(b"Exif", data)
            self.assertNotIn(b"secret-place", data)
            self.assertNotIn(b"secret-comment", data)
        # Orientation 6 means "rotate 90° clockwise to view": the red top-left mark ends top-right.
        self.assertEqual((photo.width, photo.height), (40, 60))
        self.assertEqual(stored.size, (40, 60))
        self.assertGreater(stored.getpixel((35, 4))[0], 200)
        self.assertLess(stored.getpixel((35, 4))[1], 60)
        self.assertEqual((photo.content_type, photo.extension), ("image/jpeg", "jpg"))
        self.assertEqual(stored.format, "JPEG")

    def test_it_keeps_the_colour_profile(self):
        icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
        original = encode(Image.new("RGB", (30, 20), "blue"), "JPEG", icc_profile=icc)

        photo = process_photo(upload(original))

        self.assertEqual(Image.open(io.BytesIO(photo.content)).info.get("icc_profile"), icc)

    def test_it_keeps_a_png_with_alpha_as_png_and_flattens_the_thumbnail_on_white(self):
        img = Image.new("RGBA", (50, 30), (0, 0, 0, 0))
        img.paste((0, 128, 0, 255), (0, 0, 10, 10))

        photo = process_photo(upload(encode(img, "PNG"), "photo.png", "image/png"))

        stored = Image.open(io.BytesIO(photo.content))
        self.assertEqual((stored.format, stored.mode, stored.size), ("PNG", "RGBA", (50, 30)))
        self.assertEqual(stored.getpixel((40, 20)), (0, 0, 0, 0))
        self.assertEqual((photo.content_type, photo.extension), ("image/png", "png"))
        thumb = Image.open(io.BytesIO(photo.thumbnail))
        self.assertEqual((thumb.format, thumb.mode), ("JPEG", "RGB"))
        self.assertGreater(min(thumb.getpixel((40, 20))), 245)

    def test_it_keeps_a_palette_png_transparent(self):
        img = Image.new("P", (20, 20), 0)
        img.putpalette([255, 255, 255, 255, 0, 0])
        img.paste(1, (0, 0, 5, 5))

        photo = process_photo(upload(encode(img, "PNG", transparency=0), "photo.png"))

        stored = Image.open(io.BytesIO(photo.content))
        self.assertEqual(stored.info.get("transparency"), 0)

    def test_it_keeps_webp_as_webp(self):
        photo = process_photo(upload(encode(noise((64, 48)), "WEBP"), "photo.webp", "image/webp"))

        self.assertEqual((photo.content_type, photo.extension), ("image/webp", "webp"))
        self.assertEqual(Image.open(io.BytesIO(photo.content)).format, "WEBP")
        self.assertEqual((photo.width, photo.height), (64, 48))

    def test_it_stores_a_multi_picture_jpeg_as_plain_jpeg(self):
        frames = [Image.new("RGB", (40, 30), "red"), Image.new("RGB", (40, 30), "blue")]
        mpo = encode(frames[0], "MPO", save_all=True, append_images=frames[1:])
        self.assertEqual(Image.open(io.BytesIO(mpo)).format, "MPO")

        photo = process_photo(upload(mpo))

        stored = Image.open(io.BytesIO(photo.content))
        self.assertEqual((stored.format, photo.content_type), ("JPEG", "image/jpeg"))
        self.assertEqual(getattr(stored, "n_frames", 1), 1)

    def test_it_converts_a_cmyk_jpeg_to_rgb(self):
        photo = process_photo(upload(encode(Image.new("CMYK", (30, 20)), "JPEG")))

        self.assertEqual(Image.open(io.BytesIO(photo.content)).mode, "RGB")

    def test_it_detects_the_type_from_the_content_not_the_name(self):
        photo = process_photo(upload(encode(Image.new("RGB", (30, 20)), "PNG"), "photo.jpg", "image/jpeg"))

        self.assertEqual((photo.content_type, photo.extension), ("image/png", "png"))

    def test_it_stores_heic_as_jpeg(self):
        # No real HEIC can be built here (see below): check the opener is registered, then feed
        # a decoded image that reports the format pi-heif gives.
        self.assertIn("HEIF", Image.OPEN)
        img = Image.new("RGB", (40, 30), "red")
        img.format = "HEIF"

        with mock.patch("lib.images.Image.open", return_value=img):
            photo = process_photo(upload(b"heic bytes", "IMG_0001.HEIC", "image/heic"))

        self.assertEqual((photo.content_type, photo.extension), ("image/jpeg", "jpg"))
        self.assertEqual(Image.open(io.BytesIO(photo.content)).format, "JPEG")

    def test_it_rejects_a_heic_named_file_that_is_not_an_image(self):
        # The installed pi-heif wheel decodes HEIC but has no encoder, so no real HEIC is built here.
        self.assertRejected("photo_not_image", b"not really a photo", "IMG_0001.HEIC")

    def test_it_rejects_other_image_formats(self):
        img = Image.new("RGB", (30, 20), "red")
        for fmt in ("GIF", "BMP", "TIFF", "PDF"):
            with self.subTest(fmt):
                error = self.assertRejected("photo_type", encode(img, fmt))
                self.assertIn(fmt, error.messages[0])
        svg = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
        self.assertRejected("photo_type", svg, "photo.svg")

    def test_it_rejects_a_text_file_named_like_a_photo(self):
        self.assertRejected("photo_not_image", b"hello, this is text\n" * 10, "x.jpg")

    def test_it_rejects_a_truncated_jpeg(self):
        data = encode(noise((200, 200)), "JPEG")

        self.assertRejected("photo_not_image", data[: len(data) // 2])

    def test_it_rejects_a_truncated_jpeg_after_weasyprint_relaxed_pillow(self):
        from PIL import ImageFile

        ImageFile.LOAD_TRUNCATED_IMAGES = True  # what `import weasyprint` does to the whole process
        self.addCleanup(setattr, ImageFile, "LOAD_TRUNCATED_IMAGES", False)
        data = encode(noise((200, 200)), "JPEG")
        self.assertRejected("photo_not_image", data[: len(data) // 2])

    @override_settings(PHOTO_MAX_BYTES=1000)
    def test_it_rejects_a_photo_over_the_size_limit_before_reading_it(self):
        data = encode(noise((100, 100)), "JPEG")
        self.assertGreater(len(data), 1000)
        file = upload(data)

        with self.assertRaises(ValidationError) as cm:
            process_photo(file)

        self.assertEqual(cm.exception.code, "photo_too_large")
        self.assertEqual(cm.exception.messages, ["The photo is larger than 0.000953674 MB."])
        self.assertEqual(file.file.tell(), 0)

    @override_settings(PHOTO_MAX_BYTES=1000)
    def test_it_reads_at_most_one_byte_past_the_limit_when_the_size_is_wrong(self):
        stream = io.BytesIO(encode(noise((100, 100)), "JPEG"))
        stream.size = 10  # a client can lie; the limit still holds

        with self.assertRaises(ValidationError) as cm:
            process_photo(stream)

        self.assertEqual(cm.exception.code, "photo_too_large")
        self.assertEqual(stream.tell(), 1001)

    def test_it_names_the_size_limit_in_megabytes(self):
        with override_settings(PHOTO_MAX_BYTES=10 * 1024 * 1024):
            file = upload(b"x")
            file.size = 11 * 1024 * 1024
            with self.assertRaises(ValidationError) as cm:
                process_photo(file)
        self.assertEqual(cm.exception.messages, ["The photo is larger than 10 MB."])

    @override_settings(PHOTO_MAX_PIXELS=100)
    def test_it_rejects_too_many_pixels_before_decoding(self):
        data = encode(Image.new("RGB", (20, 20)), "PNG")

        with mock.patch.object(Image.Image, "load") as load:
            error = self.assertRejected("photo_too_many_pixels", data)

        load.assert_not_called()
        self.assertEqual(error.messages, ["The photo has more than 0.0001 million pixels."])

    def test_it_turns_pillows_decompression_bomb_checks_into_too_many_pixels(self):
        data = encode(Image.new("RGB", (20, 20)), "PNG")  # 400 pixels
        for pillow_limit in (300, 150):  # over the warning limit, then over twice of it (an error)
            with self.subTest(pillow_limit), mock.patch.object(Image, "MAX_IMAGE_PIXELS", pillow_limit):
                self.assertRejected("photo_too_many_pixels", data)

    def test_it_rejects_an_empty_file(self):
        self.assertRejected("photo_empty", b"")

    def test_it_scales_a_large_photo_down_to_the_maximum_side(self):
        photo = process_photo(upload(encode(Image.new("RGB", (3000, 1500), "green"), "PNG"), "big.png"))

        self.assertEqual((photo.width, photo.height), (PHOTO_MAX_SIDE, PHOTO_MAX_SIDE // 2))
        self.assertEqual(Image.open(io.BytesIO(photo.content)).size, (2560, 1280))
        self.assertEqual(Image.open(io.BytesIO(photo.thumbnail)).size, (PHOTO_THUMB_SIZE, PHOTO_THUMB_SIZE // 2))

    def test_it_scales_a_very_large_jpeg_down_to_the_maximum_side(self):
        # Large enough for libjpeg to decode at half scale first (5200 -> 2600 -> 2560).
        photo = process_photo(upload(encode(Image.new("RGB", (5200, 5200), "green"), "JPEG")))

        self.assertEqual((photo.width, photo.height), (PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))

    def test_it_makes_a_thumbnail_no_larger_than_the_thumb_size(self):
        for size in ((1000, 400), (400, 1000), (100, 60)):
            with self.subTest(size):
                photo = process_photo(upload(encode(Image.new("RGB", size), "JPEG")))
                thumb = Image.open(io.BytesIO(photo.thumbnail))
                self.assertEqual(thumb.format, "JPEG")
                self.assertEqual(max(thumb.size), min(PHOTO_THUMB_SIZE, max(size)))
