"""Chollet's first convnet ("Deep Learning with Python", section 5.1): MNIST, three convolutions, RMSprop.

    python examples/keras_lessons/mnist_rmsprop.py                   # on minicnn
    python examples/keras_lessons/mnist_rmsprop.py --backend keras   # the same lesson on TensorFlow's Keras

Everything below the imports is the lesson as published, but for the seed and --quick.
"""
import _backend

args = _backend.parse_args(__doc__)
if args.backend == "keras":
    _backend.keras_without_downloads()
    from tensorflow.keras import datasets, layers, models, utils
else:
    from minicnn.keras import datasets, layers, models, utils
utils.set_random_seed(args.seed)

(train_images, train_labels), (test_images, test_labels) = datasets.mnist.load_data()
if args.quick:
    train_images, train_labels, test_images, test_labels = (train_images[:512], train_labels[:512],
                                                            test_images[:256], test_labels[:256])

train_images = train_images.reshape((len(train_images), 28, 28, 1)).astype("float32") / 255
test_images = test_images.reshape((len(test_images), 28, 28, 1)).astype("float32") / 255
train_labels = utils.to_categorical(train_labels)
test_labels = utils.to_categorical(test_labels)

model = models.Sequential()
model.add(layers.Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)))
model.add(layers.MaxPooling2D((2, 2)))
model.add(layers.Conv2D(64, (3, 3), activation="relu"))
model.add(layers.MaxPooling2D((2, 2)))
model.add(layers.Conv2D(64, (3, 3), activation="relu"))
model.add(layers.Flatten())
model.add(layers.Dense(64, activation="relu"))
model.add(layers.Dense(10, activation="softmax"))
model.summary()

model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
model.fit(train_images, train_labels, epochs=1 if args.quick else 5, batch_size=64, verbose=2)

test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=0)
print(f"RESULT mnist_rmsprop backend={args.backend} test_acc={test_acc:.4f} test_loss={test_loss:.4f}")
