from __future__ import annotations

import io

import pytest
from PIL import Image
from pillow_heif import register_heif_opener

from portal.uploads import GPS_IFD, HEIC, JPEG, PDF, PNG, without_location

register_heif_opener()
FORMATS = {JPEG: "JPEG", PNG: "PNG", HEIC: "HEIF"}


def _photo(content_type: str, *, gps: bool) -> bytes:
    image = Image.new("RGB", (64, 48), "teal")
    exif = image.getexif()
    exif[0x0112] = 6  # orientation: must survive
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (47.0, 37.0, 12.0), 3: "E", 4: (6.0, 9.0, 30.0)}
    out = io.BytesIO()
    image.save(out, format=FORMATS[content_type], exif=exif.tobytes())
    return out.getvalue()


@pytest.mark.parametrize("content_type", [JPEG, PNG, HEIC])
def test_the_place_a_photo_was_taken_is_removed(content_type) -> None:
    original = _photo(content_type, gps=True)
    with Image.open(io.BytesIO(original)) as image:
        assert GPS_IFD in image.getexif()
        shown = image.size  # as displayed: HEIC applies its rotation on opening
    cleaned = without_location(original, content_type)
    with Image.open(io.BytesIO(cleaned)) as image:
        exif = image.getexif()
        assert GPS_IFD not in exif
        assert not exif.get_ifd(GPS_IFD)
        if content_type != HEIC:  # HEIC keeps its rotation in the container, not the EXIF
            assert exif[0x0112] == 6
        assert image.size == shown


@pytest.mark.parametrize("content_type", [JPEG, PNG, HEIC])
def test_a_photo_without_location_is_kept_byte_for_byte(content_type) -> None:
    original = _photo(content_type, gps=False)
    assert without_location(original, content_type) == original


def test_other_files_are_untouched() -> None:
    pdf = b"%PDF-1.4\n%%EOF\n"
    assert without_location(pdf, PDF) == pdf
