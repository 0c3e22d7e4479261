"""``keras.callbacks``: the callbacks minicnn implements (see ``minicnn.callbacks``)."""
from ..callbacks import (Callback, CSVLogger, EarlyStopping, History, LearningRateScheduler, ModelCheckpoint,
                         ReduceLROnPlateau, TerminateOnNaN)
from ._compat import module_getattr

__all__ = ["Callback", "CSVLogger", "EarlyStopping", "History", "LearningRateScheduler", "ModelCheckpoint",
           "ReduceLROnPlateau", "TerminateOnNaN"]

__getattr__ = module_getattr(__name__, {"TensorBoard": "use CSVLogger and minicnn.plots",
                                        "ProgbarLogger": "fit(verbose=1) prints progress",
                                        "BackupAndRestore": "use ModelCheckpoint"},
                             "supported callbacks: " + ", ".join(__all__))
