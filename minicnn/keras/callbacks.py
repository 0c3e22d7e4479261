"""``keras.callbacks``: the callbacks minicnn implements (see ``minicnn.callbacks``).

Subclass ``Callback`` for your own: every Keras 3 hook is called (``on_train_*``, ``on_epoch_*``,
``on_{train,test,predict}_batch_*``, ``on_test_*`` from ``evaluate`` and fit's validation,
``on_predict_*`` from ``predict``), with ``self.model``, ``self.params`` and ``logs`` as Keras passes
them; ``self.model.stop_training = True`` ends ``fit`` after the epoch. ``TensorBoard`` needs the
optional extra ``minicnn[tensorboard]``.
"""
from ..callbacks import (BackupAndRestore, Callback, CSVLogger, EarlyStopping, History,
                         LambdaCallback, LearningRateScheduler, ModelCheckpoint, ProgbarLogger, ReduceLROnPlateau,
                         TensorBoard, TerminateOnNaN)
from ._compat import module_getattr

__all__ = ["BackupAndRestore", "Callback", "CSVLogger", "EarlyStopping", "History",
           "LambdaCallback", "LearningRateScheduler", "ModelCheckpoint", "ProgbarLogger", "ReduceLROnPlateau",
           "TensorBoard", "TerminateOnNaN"]

__getattr__ = module_getattr(__name__, {"RemoteMonitor": "use CSVLogger or TensorBoard",
                                        "SwapEMAWeights": "train without EMA weights"},
                             "supported callbacks: " + ", ".join(__all__))
