"""The configurations ``minicnn gradcheck`` runs with no target: every layer type, many settings."""
from .. import layers as L
from .checks import check_layer, describe


def standard_checks():
    """The configurations ``minicnn gradcheck`` runs: (layer, input shape, batch, training)."""
    cases = []
    # the random preprocessing layers: the drawn transform is replayed each evaluation (_Frozen);
    # RandomContrast's clip range is widened so no input sits on its kink
    cases += [(L.RandomFlip(seed=1), (4, 5, 2), 2, True), (L.RandomTranslation(0.3, 0.2, seed=1), (5, 4, 2), 2, True),
              (L.RandomRotation(0.2, seed=1), (5, 4, 2), 2, True), (L.RandomZoom(0.3, seed=1), (5, 4, 2), 2, True),
              (L.RandomContrast(0.5, value_range=(-1e3, 1e3), seed=1), (5, 4, 2), 2, True)]
    for stride in (1, 2, 3):
        for padding in ("valid", "same"):
            for kernel in ((3, 3), (2, 2), (3, 2), (1, 1)):
                cases.append((L.Conv2D(3, kernel, strides=stride, padding=padding), (7, 8, 2), 2, True))
    cases.append((L.Conv2D(2, 3, padding="same", activation="relu"), (5, 5, 3), 2, True))
    cases.append((L.Conv2D(2, 3, use_bias=False), (4, 4, 1), 3, True))
    for pool, stride in (((2, 2), None), ((3, 3), (2, 2)), ((2, 3), (1, 2)), ((3, 3), (3, 3))):
        for padding in ("valid", "same"):
            cases.append((L.MaxPooling2D(pool, stride, padding), (7, 8, 2), 2, True))
            cases.append((L.AveragePooling2D(pool, stride, padding), (7, 8, 2), 2, True))
    cases += [(L.GlobalMaxPooling2D(), (3, 4, 2), 2, True), (L.GlobalAveragePooling2D(), (3, 4, 2), 2, True),
              (L.Dense(4), (5,), 3, True), (L.Dense(3, activation="relu"), (6,), 3, True),
              (L.Dense(4, activation="softmax"), (5,), 3, True), (L.Dense(3), (2, 4), 2, True),
              (L.ReLU(), (3, 3, 2), 2, True), (L.Softmax(), (5,), 3, True), (L.Activation("relu"), (4,), 2, True),
              (L.ReLU(max_value=0.5, negative_slope=0.1, threshold=0.2), (3, 3, 2), 2, True),
              (L.LeakyReLU(), (3, 3, 2), 2, True), (L.ELU(0.5), (3, 3, 2), 2, True),
              (L.PReLU(alpha_initializer="random_uniform", shared_axes=[1, 2]), (3, 3, 2), 2, True),
              (L.Activation("sigmoid"), (4,), 2, True), (L.Activation("gelu"), (4,), 2, True),
              (L.Dense(3, activation="selu"), (4,), 2, True),
              (L.Flatten(), (3, 2, 2), 2, True), (L.Dropout(0.4, seed=1), (4, 3), 3, True),
              (L.Dropout(0.4, seed=1), (4, 3), 3, False),
              (L.BatchNormalization(), (3, 3, 2), 4, True), (L.BatchNormalization(), (3, 3, 2), 4, False),
              (L.BatchNormalization(), (5,), 6, True)]
    cases += [(L.ZeroPadding2D(((1, 0), (2, 1))), (3, 4, 2), 2, True),
              (L.Cropping2D(((1, 0), (0, 2))), (4, 5, 2), 2, True), (L.UpSampling2D((2, 3)), (3, 2, 2), 2, True),
              (L.UpSampling2D((3, 2), interpolation="bilinear"), (3, 4, 2), 2, True),
              (L.Reshape((-1, 3)), (2, 3, 2), 2, True), (L.Permute((3, 1, 2)), (2, 3, 4), 2, True),
              (L.Rescaling(1 / 127.5, -1.0), (3, 3, 2), 2, True),
              (L.SpatialDropout2D(0.5, seed=1), (3, 3, 4), 3, True),
              (L.GaussianNoise(0.3, seed=1), (3, 3, 2), 2, True)]
    return cases


def run_standard_checks(print_fn=print, **options):
    """Run :func:`standard_checks`, print one row per check (the full report of a failure), return
    True when all pass. ``options`` go to :func:`check_layer` (``fast``, ``max_coords``, ``seed``...)."""
    all_passed = True
    print_fn(f"{'layer':<70} {'input':<16} {'train':<5} {'max rel err':>11}  result")
    for layer, shape, batch, training in standard_checks():
        report = check_layer(layer, shape, batch_size=batch, training=training, **options)
        all_passed &= report.passed
        name = f"{type(layer).__name__}{describe(layer)}"
        print_fn(f"{name:<70} {str((batch,) + shape):<16} {str(training):<5} {report.max_relative_error:>11.2e}  "
                 f"{'PASS' if report.passed else 'FAIL'}")
        if not report.passed:
            print_fn(str(report))
    print_fn("all gradient checks passed" if all_passed else "SOME GRADIENT CHECKS FAILED")
    return all_passed
