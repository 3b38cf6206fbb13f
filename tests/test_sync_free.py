"""A training step never makes the host wait for the device: no read of a device value.

On a GPU every `tensor.item()`, `.tolist()`, `.cpu()`, `bool(tensor)` of a device tensor waits
for the queued kernels to finish. This machine has no GPU, so the reads are counted at the Python
level: every call of those methods between `on_train_batch_start` and `on_train_batch_end`,
with the default callbacks and logger, except the optimizer's own step counters (torch.optim
keeps them on the host unless `capturable=True`).
"""

from dlkit.training.run import train
from tests.helpers import FEW_BATCHES, read_summary
from tests.models.probes import CountHostReads


def test_default_training_steps_read_nothing_from_the_device(compose_train):
    CountHostReads.found.clear()
    probe = "+callbacks.zz_count_reads._target_=tests.models.probes.CountHostReads"
    cfg = compose_train("trainer.max_epochs=2", *FEW_BATCHES, probe)
    train(cfg)
    assert read_summary(cfg)["status"] == "completed"
    assert CountHostReads.found == [], "host reads during training steps:\n" + "\n".join(
        CountHostReads.found
    )
