"""``datasets``' image encoding, rule for rule: a numpy array becomes PNG/TIFF bytes after the same dtype checks
and downcasts (with its warnings), a ``PIL.Image`` opened from a file is stored by path, any other by its bytes in
its own format when Pillow can write it, else PNG (modes 1/L/LA/RGB/RGBA) or TIFF.

>>> import numpy as np
>>> out = encode_np_array(np.zeros((2, 3), dtype=np.uint8))
>>> out["path"], out["bytes"][:4]
(None, b'\\x89PNG')
"""

from __future__ import annotations

import io
import sys
import warnings
from typing import Any

import numpy as np

_NATIVE_BYTEORDER = "<" if sys.byteorder == "little" else ">"
_VALID_DTYPES = [
    np.dtype(s)
    for s in (
        "|b1",
        "|u1",
        "<u2",
        ">u2",
        "<i2",
        ">i2",
        "<u4",
        ">u4",
        "<i4",
        ">i4",
        "<f4",
        ">f4",
        "<f8",
        ">f8",
    )
]
_FORMATS: list[str] | None = None


def _pil() -> Any:
    try:
        import PIL.Image
    except ImportError as e:  # pragma: no cover - Pillow is a dependency of the image extra
        raise ImportError("To support encoding images, please install 'Pillow'.") from e
    return PIL.Image


def compression_formats() -> list[str]:
    """Formats Pillow can both read and write (``datasets``' ``list_image_compression_formats``)."""
    global _FORMATS
    if _FORMATS is None:
        image = _pil()
        image.init()
        _FORMATS = list(set(image.OPEN.keys()) & set(image.SAVE.keys()))
    return _FORMATS


def image_to_bytes(image: Any) -> bytes:
    buf = io.BytesIO()
    if image.format in compression_formats():
        fmt = image.format
    else:
        fmt = "PNG" if image.mode in ["1", "L", "LA", "RGB", "RGBA"] else "TIFF"
    image.save(buf, format=fmt)
    return buf.getvalue()


def encode_pil_image(image: Any) -> dict[str, Any]:
    if getattr(image, "filename", "") != "" and hasattr(image, "filename"):
        return {"path": image.filename, "bytes": None}
    return {"path": None, "bytes": image_to_bytes(image)}


def encode_np_array(array: np.ndarray) -> dict[str, Any]:
    dtype = array.dtype
    byteorder = dtype.byteorder if dtype.byteorder != "=" else _NATIVE_BYTEORDER
    dest: np.dtype | None = None
    if array.shape[2:]:  # multi-channel: only uint8
        if dtype.kind not in ["u", "i"]:
            raise TypeError(
                f"Unsupported array dtype {dtype} for image encoding. Only {dest} is supported for multi-channel "
                "arrays."
            )
        dest = np.dtype("|u1")
        if dtype != dest:
            warnings.warn(
                f"Downcasting array dtype {dtype} to {dest} to be compatible with 'Pillow'", stacklevel=3
            )
    elif dtype in _VALID_DTYPES:
        dest = dtype
    else:
        size = dtype.itemsize
        while size >= 1:
            candidate = np.dtype(byteorder + dtype.kind + str(size))
            if candidate in _VALID_DTYPES:
                dest = candidate
                warnings.warn(
                    f"Downcasting array dtype {dtype} to {dest} to be compatible with 'Pillow'", stacklevel=3
                )
                break
            size //= 2
        if dest is None:
            raise TypeError(
                f"Cannot downcast dtype {dtype} to a valid image dtype. Valid image dtypes: {_VALID_DTYPES}"
            )
    image = _pil().fromarray(array.astype(dest))
    return {"path": None, "bytes": image_to_bytes(image)}
