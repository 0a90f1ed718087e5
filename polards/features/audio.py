"""Audio decoding for the ``Audio`` feature, the way ``datasets`` 5.x hands audio to Python code.

``datasets`` 5 returns a ``torchcodec`` ``AudioDecoder`` that also answers ``audio["array"]`` (mono float32,
channels averaged) and ``audio["sampling_rate"]``. polards returns :class:`AudioDecoder`, a lazy,
read-only mapping with the same keys (plus ``"path"``, like ``datasets`` 3) and the torchcodec-style
methods ``get_all_samples()`` / ``get_samples_played_in_range()``, decoded with `soundfile`_ (libsndfile:
WAV, FLAC, OGG/Vorbis, Opus, MP3) and resampled with `soxr`_ when the feature asks for another
``sampling_rate``. Both are the optional extra ``polards[audio]``; without them decoding raises
:class:`~polards.exceptions.MissingDependencyError` naming the packages.

.. _soundfile: https://python-soundfile.readthedocs.io
.. _soxr: https://python-soxr.readthedocs.io

>>> wav = encode_audio_array(np.zeros(800), 8000)
>>> wav[:4]
b'RIFF'
>>> audio = decode_audio({"bytes": wav, "path": "tone.wav"})  # doctest: +SKIP
>>> audio["sampling_rate"], audio["array"].shape  # doctest: +SKIP
(8000, (800,))
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from polards.exceptions import InvalidArgumentError, MalformedFileError, MissingDependencyError

__all__ = [
    "AudioDecoder",
    "AudioMetadata",
    "AudioSamples",
    "audio_available",
    "decode_audio",
    "encode_audio_array",
]

_KEYS = ("path", "array", "sampling_rate")


def _soundfile() -> Any:
    try:
        import soundfile
    except (ImportError, OSError) as err:  # OSError: the wheel's libsndfile failed to load
        raise MissingDependencyError(
            "Decoding audio needs the 'soundfile' package (libsndfile). Hint: pip install 'polards[audio]' "
            "(soundfile and soxr), or load with Audio(decode=False) to get the raw bytes and path."
        ) from err
    return soundfile


def _soxr() -> Any:
    try:
        import soxr
    except ImportError as err:
        raise MissingDependencyError(
            "Resampling audio needs the 'soxr' package. Hint: pip install 'polards[audio]' (soundfile and soxr), "
            "or cast with Audio(sampling_rate=None) to keep the file's native rate."
        ) from err
    return soxr


def audio_available() -> bool:
    """Whether the optional audio extra (soundfile + soxr) is importable."""
    try:
        _soundfile()
        _soxr()
    except MissingDependencyError:
        return False
    return True


@dataclass(frozen=True)
class AudioSamples:
    """Decoded samples as torchcodec's ``AudioSamples``: ``data`` is ``(num_channels, num_frames)`` float32."""

    data: np.ndarray
    pts_seconds: float
    duration_seconds: float
    sample_rate: int


@dataclass(frozen=True)
class AudioMetadata:
    """What the file's header says (after resampling, ``sample_rate`` is the output rate)."""

    path: str | None
    sample_rate: int
    num_channels: int
    num_frames: int
    duration_seconds_from_header: float
    format: str
    subtype: str


class AudioDecoder(Mapping[str, Any]):
    """One decoded audio value: ``audio["array"]``, ``audio["sampling_rate"]``, ``audio["path"]``.

    Decoding runs on first access and is cached. ``sampling_rate`` resamples (soxr, high quality);
    ``num_channels`` 1 averages the channels, 2 duplicates a mono track (as ``datasets``' ``Audio``).
    ``["array"]`` is always mono (channels averaged), like ``datasets`` 5; ``get_all_samples().data`` keeps
    the channels.
    """

    def __init__(
        self,
        source: bytes | str,
        *,
        path: str | None = None,
        sampling_rate: int | None = None,
        num_channels: int | None = None,
    ) -> None:
        if num_channels not in (None, 1, 2):
            raise InvalidArgumentError(f"num_channels must be None, 1 or 2; got {num_channels!r}.")
        self._source = source
        self._path = path if path is not None else (source if isinstance(source, str) else None)
        self._target_rate = sampling_rate
        self._num_channels = num_channels
        self._samples: np.ndarray | None = None  # (channels, frames) float32
        self._rate: int | None = None
        self._metadata: AudioMetadata | None = None
        #: the stored value, so the feature can re-encode without loss (``datasets``' ``_hf_encoded``)
        self._hf_encoded = {"path": self._path, "bytes": source if isinstance(source, bytes) else None}

    # ---- decoding -----------------------------------------------------------------------------------------
    def _open(self) -> Any:
        if isinstance(self._source, bytes):
            return io.BytesIO(self._source)
        if os.path.exists(self._source):
            return self._source
        import fsspec

        with fsspec.open(self._source, "rb") as fh:  # remote paths (hf://, http(s)://)
            return io.BytesIO(fh.read())

    def _decode(self) -> None:
        if self._samples is not None:
            return
        sf = _soundfile()
        try:
            with sf.SoundFile(self._open()) as f:
                data = f.read(dtype="float32", always_2d=True)  # (frames, channels)
                rate, fmt, subtype = f.samplerate, f.format, f.subtype
        except sf.LibsndfileError as err:
            raise MalformedFileError(f"Cannot decode audio {self._path or '<bytes>'!r}: {err}") from err
        if self._target_rate is not None and self._target_rate != rate and len(data):
            data = (
                _soxr().resample(data, rate, self._target_rate, quality="HQ").astype(np.float32, copy=False)
            )
            rate = self._target_rate
        if self._num_channels == 1 and data.shape[1] > 1:
            data = data.mean(axis=1, keepdims=True, dtype=np.float32)
        elif self._num_channels == 2 and data.shape[1] == 1:
            data = np.repeat(data, 2, axis=1)
        self._samples = np.ascontiguousarray(data.T)
        self._rate = int(rate)
        frames = self._samples.shape[1]
        self._metadata = AudioMetadata(
            self._path, self._rate, self._samples.shape[0], frames, frames / self._rate, fmt, subtype
        )

    # ---- torchcodec-style API -----------------------------------------------------------------------------
    @property
    def metadata(self) -> AudioMetadata:
        self._decode()
        assert self._metadata is not None
        return self._metadata

    def get_all_samples(self) -> AudioSamples:
        """All samples, ``(num_channels, num_frames)`` float32."""
        self._decode()
        assert self._samples is not None and self._rate is not None
        return AudioSamples(self._samples, 0.0, self._samples.shape[1] / self._rate, self._rate)

    def get_samples_played_in_range(
        self, start_seconds: float = 0.0, stop_seconds: float | None = None
    ) -> AudioSamples:
        """The samples played from ``start_seconds`` up to ``stop_seconds`` (end of file when None)."""
        self._decode()
        assert self._samples is not None and self._rate is not None
        if start_seconds < 0 or (stop_seconds is not None and stop_seconds < start_seconds):
            raise InvalidArgumentError(f"Invalid range [{start_seconds}, {stop_seconds}] seconds.")
        lo = round(start_seconds * self._rate)
        hi = self._samples.shape[1] if stop_seconds is None else round(stop_seconds * self._rate)
        data = self._samples[:, lo:hi]
        return AudioSamples(data, lo / self._rate, data.shape[1] / self._rate, self._rate)

    # ---- mapping API (``audio["array"]``) -----------------------------------------------------------------
    def __getitem__(self, key: str) -> Any:
        if key == "path":
            return self._path
        if key == "array":
            self._decode()
            assert self._samples is not None
            return self._samples[0] if self._samples.shape[0] == 1 else self._samples.mean(axis=0)
        if key == "sampling_rate":
            self._decode()
            return self._rate
        raise KeyError(f"{key!r}: a decoded audio value has the keys {list(_KEYS)}")

    def __iter__(self) -> Iterator[str]:
        return iter(_KEYS)

    def __len__(self) -> int:
        return len(_KEYS)

    def __eq__(self, other: object) -> bool:
        return self is other

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        where = self._path or "<bytes>"
        if self._samples is None:
            return f"<polards AudioDecoder {where!r} (not decoded yet)>"
        return f"<polards AudioDecoder {where!r}: {self._samples.shape[1]} frames at {self._rate} Hz>"


def decode_audio(
    value: Mapping[str, Any] | AudioDecoder,
    *,
    sampling_rate: int | None = None,
    num_channels: int | None = None,
) -> AudioDecoder:
    """A stored ``{"bytes", "path"}`` value as an :class:`AudioDecoder` (``bytes`` win over ``path``)."""
    if isinstance(value, AudioDecoder):
        return value
    data, path = value.get("bytes"), value.get("path")
    if data is None and path is None:
        raise InvalidArgumentError(
            f"An audio sample should have one of 'path' or 'bytes' but both are None in {value}."
        )
    return AudioDecoder(
        bytes(data) if data is not None else path,
        path=path,
        sampling_rate=sampling_rate,
        num_channels=num_channels,
    )


def encode_audio_array(array: Any, sampling_rate: int) -> bytes:
    """A float array (``(frames,)`` or ``(channels, frames)``) as 16-bit PCM WAV bytes (stdlib only)."""
    import wave

    a = np.asarray(array, dtype=np.float64)
    frames = a.reshape(1, -1) if a.ndim == 1 else a
    pcm = (np.clip(frames.T, -1.0, 1.0) * 32767).round().astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(frames.shape[0])
        w.setsampwidth(2)
        w.setframerate(int(sampling_rate))
        w.writeframes(pcm.tobytes())
    return buf.getvalue()
