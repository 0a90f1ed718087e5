"""The ``Audio`` feature: decoding like ``datasets`` 5 (``["array"]``, ``["sampling_rate"]``), resampling on
``cast_column``, ``decode=False`` bytes and path, map-style and streaming, over the bundled audio fixtures.

Decoding needs the ``polards[audio]`` extra (soundfile + soxr); those tests skip without it.
"""

from __future__ import annotations

import io
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest

import polards as pds
from polards.exceptions import InvalidArgumentError, MalformedFileError, MissingDependencyError
from polards.features import Audio, Features
from polards.features.audio import AudioDecoder, audio_available, decode_audio, encode_audio_array
from polards.testing.fixtures import repo_path
from polards.testing.fixtures._audio_codec import flac_bytes, tone, wav_bytes

needs_audio = pytest.mark.skipif(
    not audio_available(), reason="polards[audio] extra (soundfile, soxr) not installed"
)

DUMMY = repo_path("hf-internal-testing/librispeech_asr_dummy") / "clean" / "validation" / "0000.parquet"
OTHER = repo_path("openslr/librispeech_asr") / "other" / "train.500" / "0000.parquet"


def _decodes_audio(ds: Any) -> None:
    """Skip when the dataset layer does not decode Audio columns yet (``Features.decoders`` lists Image only)."""
    if "audio" not in ds.features.decoders():
        pytest.skip("polards.features.Features.decoders() does not include Audio columns yet")


# ------------------------------------------------------------------------------------------ the codec alone
@needs_audio
@pytest.mark.parametrize("frames", [1, 3, 4096, 4097, 10_000])
def test_fixture_flac_is_lossless(frames: int) -> None:
    x = tone(frames, 16_000, seed=frames)
    got = decode_audio({"bytes": flac_bytes(x, 16_000), "path": "x.flac"})
    assert got["sampling_rate"] == 16_000
    np.testing.assert_array_equal(np.round(got["array"] * 32768).astype(np.int16), x)
    assert got.metadata.format == "FLAC" and got.metadata.num_frames == frames


@needs_audio
def test_wav_decode_matches_stdlib_samples() -> None:
    x = tone(1234, 8000, seed=3)
    got = decode_audio({"bytes": wav_bytes(x, 8000), "path": None})
    np.testing.assert_allclose(got["array"], x / 32768, atol=1e-6)
    assert got["array"].dtype == np.float32 and got["path"] is None


@needs_audio
def test_resampling_changes_length_and_keeps_the_tone() -> None:
    rate = 16_000
    t = np.arange(rate) / rate
    x = np.round(np.sin(2 * np.pi * 440 * t) * 8000).astype(np.int16)
    got = decode_audio({"bytes": wav_bytes(x, rate), "path": "a.wav"}, sampling_rate=8000)
    assert got["sampling_rate"] == 8000 and len(got["array"]) == 8000
    spectrum = np.abs(np.fft.rfft(got["array"]))
    assert abs(np.argmax(spectrum) * 8000 / len(got["array"]) - 440) < 2


@needs_audio
def test_channels_are_averaged_for_array_and_kept_in_samples() -> None:
    stereo = np.stack([np.full(100, 0.5), np.full(100, -0.25)])
    got = decode_audio({"bytes": encode_audio_array(stereo, 8000), "path": None})
    assert got.get_all_samples().data.shape == (2, 100)
    np.testing.assert_allclose(got["array"], 0.125, atol=1e-4)
    mono = decode_audio({"bytes": encode_audio_array(stereo, 8000), "path": None}, num_channels=1)
    assert mono.get_all_samples().data.shape == (1, 100)
    up = decode_audio({"bytes": encode_audio_array(stereo[0], 8000), "path": None}, num_channels=2)
    assert up.get_all_samples().data.shape == (2, 100)


@needs_audio
def test_decoder_is_lazy_a_mapping_and_has_ranges(tmp_path: Path) -> None:
    path = tmp_path / "a.wav"
    path.write_bytes(wav_bytes(tone(8000, 8000, seed=1), 8000))
    got = decode_audio({"bytes": None, "path": str(path)})
    assert "not decoded" in repr(got)
    assert set(got) == {"path", "array", "sampling_rate"} and dict(got)["path"] == str(path)
    half = got.get_samples_played_in_range(0.25, 0.75)
    assert half.data.shape == (1, 4000) and half.pts_seconds == 0.25 and half.sample_rate == 8000
    with pytest.raises(KeyError, match="sampling_rate"):
        got["rate"]
    with pytest.raises(InvalidArgumentError):
        got.get_samples_played_in_range(1.0, 0.5)


def test_decode_errors_name_the_culprit() -> None:
    with pytest.raises(InvalidArgumentError, match="both are None"):
        decode_audio({"bytes": None, "path": None})
    with pytest.raises(InvalidArgumentError, match="num_channels"):
        AudioDecoder(b"", num_channels=3)
    if audio_available():
        with pytest.raises(MalformedFileError, match="junk.wav"):
            decode_audio({"bytes": b"not audio", "path": "junk.wav"})["array"]


def test_missing_extra_raises_missing_dependency(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def fake(name: str, *a: Any, **kw: Any) -> Any:
        if name in ("soundfile", "soxr"):
            raise ImportError(name)
        return real_import(name, *a, **kw)

    monkeypatch.setattr(builtins, "__import__", fake)
    assert not audio_available()
    with pytest.raises(MissingDependencyError, match="polards\\[audio\\]"):
        decode_audio({"bytes": b"x", "path": None})["array"]


# ------------------------------------------------------------------------------------------ the feature
def test_feature_decode_false_returns_the_stored_value() -> None:
    stored = {"bytes": b"abc", "path": "x.flac"}
    assert Audio(decode=False).decode_example(stored) is stored
    assert Audio().decode_example(None) is None
    assert isinstance(Audio(sampling_rate=8000).decode_example(stored), AudioDecoder)


def test_feature_encodes_arrays_paths_and_decoded_values(tmp_path: Path) -> None:
    enc = Audio().encode_example({"array": np.zeros(10), "sampling_rate": 8000})
    assert enc["path"] is None
    with wave.open(io.BytesIO(enc["bytes"])) as w:
        assert (w.getframerate(), w.getnframes()) == (8000, 10)
    assert Audio().encode_example(tmp_path / "a.flac") == {"bytes": None, "path": str(tmp_path / "a.flac")}
    stored = {"bytes": b"abc", "path": "x.flac"}
    assert Audio().encode_example(Audio().decode_example(stored)) == stored


def test_feature_round_trips_through_dict_and_card_yaml() -> None:
    feats = Features.from_dict({"audio": {"sampling_rate": 16000, "_type": "Audio"}})
    assert feats["audio"] == Audio(sampling_rate=16000)
    assert feats.to_dict() == {"audio": {"sampling_rate": 16000, "_type": "Audio"}}


# ------------------------------------------------------------------------------------------ over datasets
@needs_audio
def test_dataset_row_audio_is_decoded_like_datasets() -> None:
    ds = pds.Dataset.from_parquet([str(DUMMY)])
    _decodes_audio(ds)
    row = ds[0]
    assert row["id"] == "1272-128104-0000"
    audio = row["audio"]
    assert audio["sampling_rate"] == 16_000 and audio["array"].shape == (93_680,)
    assert audio["array"].dtype == np.float32 and audio["path"] == "1272-128104-0000.flac"


@needs_audio
def test_cast_column_resamples_and_decode_false_gives_bytes() -> None:
    ds = pds.Dataset.from_parquet([str(DUMMY)])
    _decodes_audio(ds)
    resampled = ds.cast_column("audio", Audio(sampling_rate=8000))[0]["audio"]
    assert resampled["sampling_rate"] == 8000 and len(resampled["array"]) == 46_840
    raw = ds.cast_column("audio", Audio(decode=False))[0]["audio"]
    assert set(raw) == {"bytes", "path"} and raw["bytes"][:4] == b"fLaC"
    assert raw["bytes"] == pq.read_table(DUMMY).column("audio")[0].as_py()["bytes"]


def test_decode_false_needs_no_extra() -> None:
    ds = pds.Dataset.from_parquet([str(DUMMY)]).cast_column("audio", Audio(decode=False))
    rows = ds.to_list()
    assert all(r["audio"]["bytes"][:4] == b"fLaC" for r in rows)
    assert next(r for r in rows if r["id"] == "1272-128104-0000")["audio"]["path"] == "1272-128104-0000.flac"


@needs_audio
def test_streaming_shuffle_take_decodes() -> None:
    ds = pds.Dataset.from_parquet([str(OTHER)])
    _decodes_audio(ds)
    stream = pds.IterableDataset.from_shards([ds.lazy()], features=ds.features)
    rows = list(stream.shuffle(seed=0, buffer_size=8).take(5))
    assert len(rows) == 5 and len({r["id"] for r in rows}) == 5
    for r in rows:
        array = np.asarray(r["audio"]["array"], np.float32)
        assert int(r["audio"]["sampling_rate"]) == 16_000 and 0 < len(array) <= 16_000
    cast = stream.cast_column("audio", Audio(sampling_rate=8000))
    assert next(iter(cast))["audio"]["sampling_rate"] == 8000
    raw = next(iter(stream.cast_column("audio", Audio(decode=False))))["audio"]
    assert raw["bytes"][:4] == b"fLaC"


@needs_audio
def test_iter_batches_decode_every_row() -> None:
    ds = pds.Dataset.from_parquet([str(OTHER)])
    _decodes_audio(ds)
    batch = next(iter(ds.iter(batch_size=4)))
    assert [a["sampling_rate"] for a in batch["audio"]] == [16_000] * 4
