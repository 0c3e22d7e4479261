"""The Fashion-MNIST convolution lab of DeepLearning.AI's TensorFlow course, with its custom callback
that stops training once the training accuracy passes a threshold.

    python examples/keras_lessons/fashion_mnist_callback.py                   # on minicnn
    python examples/keras_lessons/fashion_mnist_callback.py --backend keras   # on TensorFlow

Written against ``import tensorflow as tf`` as the course is; ``import minicnn.tf as tf`` is the
one line that changes. Needs Fashion-MNIST (Debian's dataset-fashion-mnist, or a download).
"""
import _backend

args = _backend.parse_args(__doc__)
if args.backend == "keras":
    _backend.keras_without_downloads()
    import tensorflow as tf
else:
    import minicnn.tf as tf
tf.random.set_seed(args.seed)


class myCallback(tf.keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs={}):
        if logs.get("accuracy") > 0.92:
            print("\nReached 92% accuracy so cancelling training!")
            self.model.stop_training = True


callbacks = myCallback()
mnist = tf.keras.datasets.fashion_mnist
(training_images, training_labels), (test_images, test_labels) = mnist.load_data()
if args.quick:
    training_images, training_labels = training_images[:512], training_labels[:512]
    test_images, test_labels = test_images[:256], test_labels[:256]
training_images = training_images.reshape(len(training_images), 28, 28, 1)
training_images = training_images / 255.0
test_images = test_images.reshape(len(test_images), 28, 28, 1)
test_images = test_images / 255.0

model = tf.keras.models.Sequential([
    tf.keras.layers.Conv2D(64, (3, 3), activation="relu", input_shape=(28, 28, 1)),
    tf.keras.layers.MaxPooling2D(2, 2),
    tf.keras.layers.Conv2D(64, (3, 3), activation="relu"),
    tf.keras.layers.MaxPooling2D(2, 2),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(128, activation=tf.nn.relu),
    tf.keras.layers.Dense(10, activation=tf.nn.softmax),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.summary()
history = model.fit(training_images, training_labels, epochs=1 if args.quick else 10, callbacks=[callbacks],
                    verbose=2)
test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=0)
print(f"RESULT fashion_mnist_callback backend={args.backend} test_acc={test_acc:.4f} test_loss={test_loss:.4f} "
      f"epochs={len(history.history['loss'])}")
