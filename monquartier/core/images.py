"""Every uploaded picture is decoded and re-encoded by Pillow before it is stored.

Re-encoding is what makes an upload safe to show: the new JPEG carries no EXIF block
(phones write the GPS position of the home there), the orientation the phone recorded
is applied to the pixels, the size is capped, and a file that only pretends to be an
image (a renamed document, a truncated or hostile file) fails to decode and is refused.
"""

from dataclasses import dataclass
from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}
JPEG_QUALITY = 82


@dataclass(frozen=True)
class ReencodedImage:
    full: ContentFile
    thumbnail: ContentFile
    width: int
    height: int


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}"


def _to_jpeg(image: Image.Image) -> bytes:
    buffer = BytesIO()
    # A fresh info dict: nothing from the original (EXIF, XMP, comments) reaches the file.
    image.info = {}
    image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return buffer.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on a white background, whatever the source mode (palette, alpha, CMYK…)."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def reencode_image(
    upload,
    *,
    max_bytes: int | None = None,
    max_side: int | None = None,
    thumbnail_side: int | None = None,
) -> ReencodedImage:
    """Decode an uploaded file and return a clean JPEG and a square thumbnail.

    Raises ValidationError with a message for the person who sent the file.
    """
    max_bytes = max_bytes or settings.PHOTO_MAX_UPLOAD_BYTES
    max_side = max_side or settings.PHOTO_MAX_SIDE
    thumbnail_side = thumbnail_side or settings.PHOTO_THUMBNAIL_SIDE

    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError(
            _("Ce fichier pèse %(size)s Mo : la limite est de %(limit)s Mo.")
            % {"size": _megabytes(size), "limit": _megabytes(max_bytes)},
            code="too_large",
        )
    not_an_image = ValidationError(
        _("Ce fichier n'est pas une image lisible. Envoyez une photo JPEG, PNG ou WebP."),
        code="not_an_image",
    )
    try:
        upload.seek(0)
        with Image.open(upload) as opened:
            if opened.format not in ACCEPTED_FORMATS:
                raise not_an_image
            width, height = opened.size
            if width * height > settings.PHOTO_MAX_PIXELS:
                raise ValidationError(
                    _(
                        "Cette image fait %(width)s × %(height)s pixels : c'est trop grand. "
                        "Envoyez une photo de moins de %(megapixels)s millions de pixels."
                    )
                    % {
                        "width": width,
                        "height": height,
                        "megapixels": settings.PHOTO_MAX_PIXELS // 1_000_000,
                    },
                    code="too_many_pixels",
                )
            opened.load()
            image = ImageOps.exif_transpose(opened) or opened
            image = _flatten(image)
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise not_an_image from None

    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    thumbnail = ImageOps.fit(image, (thumbnail_side, thumbnail_side), Image.Resampling.LANCZOS)
    return ReencodedImage(
        full=ContentFile(_to_jpeg(image), name="photo.jpg"),
        thumbnail=ContentFile(_to_jpeg(thumbnail), name="thumbnail.jpg"),
        width=image.width,
        height=image.height,
    )
