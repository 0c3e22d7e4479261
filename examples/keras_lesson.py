"""A classic Keras lesson, unchanged except for its import: the MNIST CNN on MNIST.

    python examples/keras_lesson.py            # 60,000 images, 5 epochs
    python examples/keras_lesson.py --quick    # 3,000 images, 1 epoch (used by the test suite)

With TensorFlow, replace the import line by ``from tensorflow.keras import ...`` and the rest
runs as it is.
"""
import argparse

from minicnn.keras import datasets, layers, models, optimizers, utils  # was: from tensorflow.keras import ...

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--quick", action="store_true", help="3,000 training images, 1 epoch")
args = parser.parse_args()

(x_train, y_train), (x_test, y_test) = datasets.mnist.load_data()
if args.quick:
    x_train, y_train, x_test, y_test = x_train[:3000], y_train[:3000], x_test[:1000], y_test[:1000]
epochs = 1 if args.quick else 5

x_train = x_train.reshape((x_train.shape[0], 28, 28, 1)).astype("float32") / 255.0
x_test = x_test.reshape((x_test.shape[0], 28, 28, 1)).astype("float32") / 255.0
y_train = utils.to_categorical(y_train)
y_test = utils.to_categorical(y_test)

model = models.Sequential()
model.add(layers.Conv2D(32, (3, 3), activation="relu", kernel_initializer="he_uniform", input_shape=(28, 28, 1)))
model.add(layers.MaxPooling2D((2, 2)))
model.add(layers.Flatten())
model.add(layers.Dense(100, activation="relu", kernel_initializer="he_uniform"))
model.add(layers.Dense(10, activation="softmax"))
model.compile(optimizer=optimizers.SGD(learning_rate=0.01, momentum=0.9), loss="categorical_crossentropy",
              metrics=["accuracy"])
model.summary()

history = model.fit(x_train, y_train, epochs=epochs, batch_size=32, validation_data=(x_test, y_test), verbose=2)
loss, acc = model.evaluate(x_test, y_test, verbose=0)
print("History:", {key: [round(v, 4) for v in values] for key, values in history.history.items()})
print(f"Test accuracy: {acc * 100:.2f}%  (loss {loss:.4f})")
