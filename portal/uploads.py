"""Checks on uploaded files: the type is read from the content, never from the name."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Collection
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
HEIC = "image/heic"

DOCUMENT_TYPES = frozenset({PDF, JPEG, PNG})
TYPE_LABELS = {PDF: "PDF", JPEG: "JPEG", PNG: "PNG", HEIC: "HEIC"}
EXTENSIONS = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png", HEIC: ".heic"}


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    size: int
    sha256: str
    extension: str


def check_upload(
    upload: UploadedFile, *, allowed: Collection[str], max_bytes: int | None = None
) -> CheckedFile:
    """Sniff the file's type from its first bytes and check its size; raise a French error."""
    max_bytes = max_bytes or settings.UPLOAD_MAX_BYTES
    size = upload.size or 0
    if size == 0:
        raise ValidationError(_("Le fichier est vide."), code="empty")
    if size > max_bytes:
        raise ValidationError(
            _("Le fichier dépasse la taille maximale de %(max)s.")
            % {"max": filesizeformat(max_bytes)},
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(8192)
    kind = filetype.guess(head)
    mime = kind.mime if kind is not None else None
    if mime is None or mime not in allowed:
        accepted = ", ".join(sorted(TYPE_LABELS.get(t, t) for t in allowed))
        raise ValidationError(
            _("Ce type de fichier n'est pas accepté. Formats acceptés : %(types)s.")
            % {"types": accepted},
            code="bad_type",
        )
    if mime in IMAGE_FORMATS:
        _check_image(upload)
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(
        content_type=mime, size=size, sha256=digest.hexdigest(), extension=EXTENSIONS[mime]
    )


GPS_IFD = 0x8825
IMAGE_FORMATS = {JPEG: "JPEG", PNG: "PNG", HEIC: "HEIF"}
# Pillow's own bound for a decompression bomb (twice its warning threshold of 89 Mpx): far
# above any phone's photo, far below what would exhaust a worker's memory.
IMAGE_MAX_PIXELS = 178_956_970


def _check_image(upload: UploadedFile) -> None:
    """Decode the whole image once, so that a photo cut short or a decompression bomb is a
    French error on the form, before any file of the message is written."""
    from PIL import Image, ImageFile
    from pillow_heif import register_heif_opener

    register_heif_opener()
    too_large = ValidationError(
        _("L'image est trop grande : %(max)d millions de pixels au plus.")
        % {"max": IMAGE_MAX_PIXELS // 1_000_000},
        code="too_many_pixels",
    )
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        raise ImproperlyConfigured("Truncated images must not be accepted.")
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            width, height = image.size
            if width * height > IMAGE_MAX_PIXELS:
                raise too_large
            image.load()
    except ValidationError:
        raise
    except Image.DecompressionBombError as error:
        raise too_large from error
    except (OSError, SyntaxError, ValueError) as error:
        raise ValidationError(
            _("L'image est incomplète ou endommagée : enregistrez-la à nouveau et réessayez."),
            code="corrupt_image",
        ) from error
    finally:
        upload.seek(0)


def without_location(data: bytes, content_type: str) -> bytes:
    """A photo without the place it was taken: the GPS block of its EXIF and any XMP go.
    The rest of the EXIF (orientation, date) stays. A photo without location is returned
    as it came, byte for byte; other files are returned untouched."""
    image_format = IMAGE_FORMATS.get(content_type)
    if image_format is None:
        return data
    from PIL import Image
    from pillow_heif import register_heif_opener

    register_heif_opener()
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        xmp = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp")
        if GPS_IFD not in exif and not xmp:
            return data
        exif.pop(GPS_IFD, None)
        out = io.BytesIO()
        options: dict[str, object] = {"exif": exif.tobytes()}
        if image_format == "JPEG":
            options["quality"] = "keep"  # the same quantisation: no visible loss
        elif image_format == "HEIF":
            options["quality"] = 90
        image.save(out, format=image_format, **options)
    return out.getvalue()
