"""minicnn.data.airbench: airbench's crops, alternating flips, shuffles and drop_last."""
import numpy as np
import pytest

from minicnn.data.airbench import AirbenchLoader, normalize


def _images(n=10, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 6, 6, 3), dtype=np.uint8), np.arange(n)


def _locate(batch_x, images, translate):
    """For each output image: (source index, dy, dx, flipped), by brute force over every crop."""
    ref = normalize(np.pad(images, ((0, 0), (translate,) * 2, (translate,) * 2, (0, 0)), mode="reflect"))
    found = []
    for x in batch_x:
        hits = [(i, dy, dx, f) for i in range(len(images)) for dy in range(2 * translate + 1)
                for dx in range(2 * translate + 1) for f in (False, True)
                if np.allclose((ref[i, dy:dy + 6, dx:dx + 6])[:, ::-1] if f else ref[i, dy:dy + 6, dx:dx + 6], x,
                               atol=1e-5)]
        found.append(hits)
    return found


def test_batches_drop_the_last_partial_one_and_cover_each_image_once():
    images, labels = _images(10)
    loader = AirbenchLoader(images, labels, batch_size=4, translate=0, flip=False)
    batches = list(loader)
    assert len(loader) == 2 and [len(y) for _, y in batches] == [4, 4]
    seen = np.concatenate([y for _, y in batches])
    assert len(set(seen)) == 8
    for x, y in batches:   # without augmentation: the normalized images themselves
        np.testing.assert_allclose(x, normalize(images[y]), rtol=1e-6, atol=1e-6)
    assert len(AirbenchLoader(images, labels, batch_size=4, drop_last=False)) == 3


def test_crops_stay_within_the_reflect_pad_and_flips_alternate():
    images, labels = _images(8)
    loader = AirbenchLoader(images, labels, batch_size=8, translate=2, seed=3)
    flips = []
    for epoch in range(3):
        (x, y), = list(loader)
        hits = _locate(x, images, 2)
        assert all(any(i == label for i, *_ in h) for h, label in zip(hits, y))   # a crop of its own image
        flips.append({label: loader.base_flip[label] ^ bool(epoch % 2) for label in y})
        for h, label in zip(hits, y):
            assert any(f == flips[-1][label] for i, _, _, f in h if i == label)
    assert all(flips[0][k] != flips[1][k] and flips[0][k] == flips[2][k] for k in flips[0])


def test_bad_inputs():
    images, labels = _images(4)
    with pytest.raises(ValueError, match="uint8"):
        AirbenchLoader(images.astype(np.float32), labels)
    with pytest.raises(ValueError, match="labels"):
        AirbenchLoader(images, labels[:2])
    with pytest.raises(ValueError, match="batch_size"):
        AirbenchLoader(images, labels, batch_size=0)
