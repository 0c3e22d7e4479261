import json

import numpy as np
import pytest

import minicnn
from minicnn import initializers as I
from minicnn.layers import Conv2D, Dense


def test_fans_follow_keras():
    assert I.compute_fans((3, 3, 16, 32)) == (144, 288)
    assert I.compute_fans((100, 10)) == (100, 10)
    assert I.compute_fans((7,)) == (7, 7)
    assert I.compute_fans(()) == (1, 1)


# (name, variance as a function of (fan_in, fan_out), distribution)
VARIANCE_SCALING = [("glorot_uniform", lambda i, o: 2 / (i + o), "uniform"),
                    ("glorot_normal", lambda i, o: 2 / (i + o), "truncated"),
                    ("he_uniform", lambda i, o: 2 / i, "uniform"),
                    ("he_normal", lambda i, o: 2 / i, "truncated"),
                    ("lecun_uniform", lambda i, o: 1 / i, "uniform"),
                    ("lecun_normal", lambda i, o: 1 / i, "truncated")]


@pytest.mark.parametrize("name,variance,distribution", VARIANCE_SCALING)
@pytest.mark.parametrize("shape", [(300, 200), (5, 5, 12, 40)])
def test_variance_scaling_moments_and_bounds(name, variance, distribution, shape):
    minicnn.set_seed(1)
    w = I.initialize(name, shape, np.float32)
    assert w.dtype == np.float32 and w.shape == shape
    fan_in, fan_out = I.compute_fans(shape)
    std = np.sqrt(variance(fan_in, fan_out))
    n = w.size
    assert abs(w.mean()) < 5 * std / np.sqrt(n)
    assert abs(w.std() / std - 1) < 0.02
    if distribution == "uniform":   # U(-l, l) with l = sqrt(3) std, flat
        limit = np.sqrt(3) * std
        assert np.abs(w).max() <= limit * (1 + 1e-6) and np.abs(w).max() > 0.99 * limit
        assert abs(np.mean(np.abs(w) < limit / 2) - 0.5) < 0.02
    else:                           # truncated at 2 std of the underlying normal (std / 0.8796...)
        bound = 2 * std / I.TRUNCATED_STD
        assert np.abs(w).max() <= bound * (1 + 1e-6) and np.abs(w).max() > 0.98 * bound
    # the same object as a class name and as a snake_case name
    cls = I.INITIALIZERS[name]
    assert I.INITIALIZERS[cls.__name__] is cls


def test_random_normal_uniform_truncated_and_constants():
    shape = (400, 300)
    w = I.RandomNormal(mean=1.0, stddev=0.5, seed=0)(shape)
    assert abs(w.mean() - 1) < 0.01 and abs(w.std() - 0.5) < 0.01 and np.abs(w - 1).max() > 3 * 0.5  # not truncated
    t = I.TruncatedNormal(mean=-1.0, stddev=0.2, seed=0)(shape)
    assert np.abs(t + 1).max() <= 0.4 + 1e-6 and abs(t.std() - 0.2 * I.TRUNCATED_STD) < 0.005
    u = I.RandomUniform(-0.3, 0.1, seed=0)(shape, "float64")
    assert u.dtype == np.float64 and u.min() >= -0.3 and u.max() < 0.1 and abs(u.mean() + 0.1) < 0.005
    np.testing.assert_array_equal(I.Constant(0.25)((2, 3)), np.full((2, 3), 0.25, np.float32))
    assert not I.Zeros()((3,)).any() and (I.Ones()((3,)) == 1).all()
    with pytest.raises(ValueError, match="scalar"):
        I.Constant([1, 2])
    with pytest.raises(ValueError, match="mode"):
        I.VarianceScaling(mode="fan_sum")
    assert I.VarianceScaling(distribution="normal").distribution == "truncated_normal"  # Keras's alias


def test_keras_seed_semantics():
    seeded = I.HeNormal(seed=7)
    np.testing.assert_array_equal(seeded((4, 4)), seeded((4, 4)))        # a seeded object repeats itself
    np.testing.assert_array_equal(seeded((4, 4)), I.HeNormal(seed=7)((4, 4)))
    assert not np.array_equal(seeded((4, 4)), I.HeNormal(seed=8)((4, 4)))
    minicnn.set_seed(3)
    unseeded = I.RandomNormal()
    np.testing.assert_array_equal(unseeded((3,)), unseeded((3,)))      # so does an unseeded one (Keras 3) ...
    minicnn.set_seed(3)
    np.testing.assert_array_equal(I.RandomNormal()((3,)), unseeded((3,)))  # ... reproducibly under set_seed
    minicnn.set_seed(3)
    a, b = Dense(4, kernel_initializer="he_normal"), Dense(4, kernel_initializer="he_normal")
    a.build((5,)), b.build((5,))
    assert not np.array_equal(a.params["kernel"], b.params["kernel"])   # names give each layer its own values
    c = Dense(4, kernel_initializer=I.GlorotNormal(seed=1))
    d = Dense(4, kernel_initializer=I.GlorotNormal(seed=1))
    c.build((5,)), d.build((5,))
    np.testing.assert_array_equal(c.params["kernel"], d.params["kernel"])
    with pytest.raises(ValueError, match="seed"):
        I.RandomNormal(seed="x")


def test_conv_kernel_fans_drive_the_scale():
    conv = Conv2D(64, 5, kernel_initializer=I.LecunUniform(seed=0), bias_initializer=I.Constant(0.1))
    conv.build((16, 16, 8))
    limit = np.sqrt(3 / (5 * 5 * 8))
    k = conv.params["kernel"]
    assert np.abs(k).max() <= limit and np.abs(k).max() > 0.99 * limit
    np.testing.assert_array_equal(conv.params["bias"], np.full(64, 0.1, np.float32))


def test_config_round_trip_and_unknown():
    dense = Dense(3, kernel_initializer=I.TruncatedNormal(stddev=0.02, seed=5), bias_initializer="Ones")
    config = json.loads(json.dumps(dense.get_config()))
    assert config["kernel_initializer"] == {"class_name": "TruncatedNormal",
                                            "config": {"seed": 5, "mean": 0.0, "stddev": 0.02}}
    again = Dense.from_config(config)
    dense.build((4,)), again.build((4,))
    np.testing.assert_array_equal(dense.params["kernel"], again.params["kernel"])
    np.testing.assert_array_equal(again.params["bias"], np.ones(3, np.float32))
    with pytest.raises(ValueError, match="unknown initializer 'orthogonal'"):
        I.initialize("orthogonal", (2, 2), np.float32)
    with pytest.raises(ValueError, match="unknown initializer config"):
        I.get({"class_name": "Orthogonal", "config": {}})
    with pytest.raises(ValueError, match="bad config for initializer RandomNormal"):
        I.get({"class_name": "RandomNormal", "config": {"std": 1}})


# ---------------------------------------------------------------- airbench's Dirac and patch whitening
def test_dirac_conv_passes_the_first_channels_through():
    from minicnn.initializers import Dirac
    from minicnn.layers import Conv2D
    conv = Conv2D(5, 3, padding="same", use_bias=False, kernel_initializer=Dirac("he_uniform"))
    conv.build((6, 6, 3))
    x = np.random.default_rng(0).standard_normal((2, 6, 6, 3)).astype(np.float32)
    y = conv.forward(x)
    np.testing.assert_allclose(y[..., :3], x, rtol=1e-6, atol=1e-6)
    assert np.abs(conv.params["kernel"][..., 3:]).max() > 0          # the rest keeps its random draw
    again = I.get(I.serialize(Dirac("he_uniform")))
    assert isinstance(again, Dirac) and again.initializer == "he_uniform"
    with pytest.raises(ValueError, match="conv kernels"):
        Dirac()((3, 4))


def test_image_patches_match_the_loop_reference():
    from minicnn.initializers import image_patches, image_patches_reference
    x = np.random.default_rng(1).standard_normal((2, 5, 4, 3))
    np.testing.assert_array_equal(image_patches(x, (2, 3)), image_patches_reference(x, (2, 3)))


def test_patch_whitening_kernel_whitens_the_patches():
    from minicnn.initializers import image_patches, patch_whitening_kernel
    rng = np.random.default_rng(2)
    mix = rng.standard_normal((3, 3))
    x = rng.standard_normal((40, 8, 8, 3)) @ mix   # correlated channels
    kernel = patch_whitening_kernel(x, 2, epsilon=1e-6)
    assert kernel.shape == (2, 2, 3, 24)
    out = image_patches(x, (2, 2)) @ kernel.reshape(12, 24)
    np.testing.assert_allclose(out[:, :12].T @ out[:, :12] / len(out), np.eye(12), atol=1e-3)
    np.testing.assert_array_equal(kernel[..., 12:], -kernel[..., :12])


def test_patch_whitening_kernel_matches_airbench_up_to_sign():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(3).standard_normal((20, 6, 6, 3)).astype(np.float32)
    t = torch.tensor(x).permute(0, 3, 1, 2)
    patches = t.unfold(2, 2, 1).unfold(3, 2, 1).transpose(1, 3).reshape(-1, 3, 2, 2).double()  # airbench's code
    flat = patches.view(len(patches), -1)
    vals, vecs = torch.linalg.eigh(flat.T @ flat / len(flat), UPLO="U")
    vals, vecs = vals.flip(0).view(-1, 1, 1, 1), vecs.T.reshape(12, 3, 2, 2).flip(0)
    ref = (vecs / torch.sqrt(vals + 5e-4)).numpy().transpose(2, 3, 1, 0)       # (kh, kw, in, out)
    from minicnn.initializers import patch_whitening_kernel
    ours = patch_whitening_kernel(x, 2)[..., :12]
    signs = np.sign((ours * ref).sum(axis=(0, 1, 2)))
    np.testing.assert_allclose(ours * signs, ref, rtol=1e-6, atol=1e-8)
