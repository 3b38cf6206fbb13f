"""A worker killed mid-trial: its trial ends failed once its heartbeat lapses, the other workers
go on, and the killed worker, started again, continues the study."""

import pytest
from omegaconf import OmegaConf
from optuna.trial import TrialState

N_TRIALS = 8
# beats every second, failed after three without one: the test need not wait a minute
QUICK_HEARTBEAT = ("hydra.sweeper.heartbeat_interval=1", "hydra.sweeper.grace_period=3")


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["journal", "postgresql"])
def test_a_killed_workers_trial_fails_and_the_study_completes(tmp_path, request, workers, kind):
    storage = (
        request.getfixturevalue("postgres_url") if kind == "postgresql"
        else str(tmp_path / "o.journal")
    )  # fmt: skip
    overrides = workers.search(storage, N_TRIALS, *QUICK_HEARTBEAT, "trainer.max_epochs=3")
    started = [workers.start(i, overrides) for i in range(3)]
    victim, others = started[0], started[1:]
    # every worker past its start (where a restarted worker fails its own lost trials at once)
    workers.wait_until(lambda: all(w.job_started() for w in started), 600, "a job of each worker")
    victim.kill()

    (lost,) = [
        t
        for t in workers.load(storage).trials
        if t.user_attrs.get("sweeper_pid") == victim.process.pid
    ]

    def lost_trial_failed() -> bool:
        return workers.load(storage).trials[lost.number].state == TrialState.FAIL

    # another worker fails it: host and process id mean nothing across machines, the heartbeat does
    workers.wait_until(lost_trial_failed, 300, f"trial {lost.number} of the killed worker failing")
    assert any(
        f"trial {lost.number} failed: its worker (" in w.output()
        and "sent no heartbeat" in w.output()
        for w in others
    )
    restarted = workers.start(0, overrides)  # the same command again
    for worker in (*others, restarted):
        assert worker.wait(900) == 0, worker.output()[-4000:]
    workers.assert_clean([*others, restarted])

    study = workers.load(storage)
    workers.assert_complete(study, N_TRIALS)
    states = {t.number: t.state for t in study.trials}
    assert states.pop(lost.number) == TrialState.FAIL
    assert set(states.values()) <= {TrialState.COMPLETE, TrialState.PRUNED}
    # every trial ran in exactly one job folder, the lost one included
    jobs = [
        OmegaConf.load(hydra).hydra.sweeper.trial
        for hydra in sorted(tmp_path.glob("worker_*/*/.hydra/hydra.yaml"))
    ]
    assert sorted(jobs) == list(range(N_TRIALS))
