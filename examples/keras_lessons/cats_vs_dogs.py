"""Cats vs dogs with a small convnet, data augmentation and a sigmoid head, in the style of Chollet's
"Deep Learning with Python" (section 5.2): ImageDataGenerator.flow_from_directory, binary
cross-entropy, RMSprop. The photos are CIFAR-10's cat and dog folders (the JPEG tree), 32x32.

    python examples/keras_lessons/cats_vs_dogs.py                   # on minicnn
    python examples/keras_lessons/cats_vs_dogs.py --backend keras   # on TensorFlow's Keras

Needs cifar-10-jpeg.tar.gz ($MINICNN_CIFAR_JPEG, ../shared/data/ or the data directory).
"""
import sys
import tempfile
from pathlib import Path

import _backend

args = _backend.parse_args(__doc__)
sys.path.insert(0, str(_backend.REPO_ROOT / "examples"))
from image_folder import extract_demo, find_tarball  # noqa: E402  (the cat and dog folders of the tree)

tarball = find_tarball()
if tarball is None:
    sys.exit("cats_vs_dogs needs cifar-10-jpeg.tar.gz: set MINICNN_CIFAR_JPEG to its path")
per_class = (200, 100) if args.quick else (5000, 1000)
train_dir, validation_dir = extract_demo(tarball, Path(tempfile.gettempdir()) / f"cats_vs_dogs_{per_class[0]}",
                                         *per_class)

if args.backend == "keras":
    from tensorflow.keras import layers, models, optimizers, utils
    from tensorflow.keras.preprocessing.image import ImageDataGenerator
else:
    from minicnn.keras import layers, models, optimizers, utils
    from minicnn.keras.preprocessing.image import ImageDataGenerator
utils.set_random_seed(args.seed)

model = models.Sequential()
model.add(layers.Conv2D(32, (3, 3), activation="relu", padding="same", input_shape=(32, 32, 3)))
model.add(layers.MaxPooling2D((2, 2)))
model.add(layers.Conv2D(64, (3, 3), activation="relu", padding="same"))
model.add(layers.MaxPooling2D((2, 2)))
model.add(layers.Conv2D(128, (3, 3), activation="relu", padding="same"))
model.add(layers.MaxPooling2D((2, 2)))
model.add(layers.Flatten())
model.add(layers.Dropout(0.5))
model.add(layers.Dense(256, activation="relu"))
model.add(layers.Dense(1, activation="sigmoid"))
model.summary()

model.compile(loss="binary_crossentropy", optimizer=optimizers.RMSprop(learning_rate=1e-3), metrics=["acc"])

train_datagen = ImageDataGenerator(rescale=1.0 / 255, rotation_range=15, width_shift_range=0.1,
                                   height_shift_range=0.1, zoom_range=0.1, horizontal_flip=True)
test_datagen = ImageDataGenerator(rescale=1.0 / 255)
train_generator = train_datagen.flow_from_directory(train_dir, target_size=(32, 32), batch_size=32,
                                                    class_mode="binary", seed=args.seed)
validation_generator = test_datagen.flow_from_directory(validation_dir, target_size=(32, 32), batch_size=50,
                                                        class_mode="binary", shuffle=False)

history = model.fit(train_generator, epochs=1 if args.quick else 15, validation_data=validation_generator,
                    verbose=2)
test_loss, test_acc = model.evaluate(validation_generator, verbose=0)
print(f"RESULT cats_vs_dogs backend={args.backend} test_acc={test_acc:.4f} test_loss={test_loss:.4f} "
      f"test_images={validation_generator.samples}")
