"""The same code on every device: results on each available device (CPU always; CUDA and MPS
when present) equal the CPU results, and stay on the device."""

from __future__ import annotations

import pytest
import torch

from cactl.estimators.batch import TrajectoryBatch
from cactl.estimators.catalog import estimator_names
from cactl.estimators.registry import estimate
from tests.estimators.test_every_estimator import _trajectory


def _devices() -> list[str]:
    found = ["cpu"]
    if torch.cuda.is_available():
        found.append("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        found.append("mps")
    return found


@pytest.mark.parametrize("device", _devices())
def test_every_estimator_on_every_device(device: str) -> None:
    trajectories = [
        _trajectory("a", "g", 1.0, 3),
        _trajectory("b", "g", 0.0, 2),
        _trajectory("c", "h", 0.5, 1),
    ]
    trajectories[1]["steps"][0]["value"] = 0.1
    trajectories[0]["steps"][2]["entropy"] = 2.0
    reference = TrajectoryBatch.from_trajectories(trajectories)
    moved = reference.to(device)
    assert moved.step_offsets.device.type == device
    for name in estimator_names():
        expected = estimate(name, reference)
        got = estimate(name, moved)
        assert got.token.device.type == device and got.step.device.type == device, name
        assert got.token.cpu().tolist() == pytest.approx(expected.token.tolist(), abs=1e-5), name
        assert got.step.cpu().tolist() == pytest.approx(expected.step.tolist(), abs=1e-5), name


def test_from_trajectories_on_a_device() -> None:
    batch = TrajectoryBatch.from_trajectories(
        [_trajectory("a", "g", 1.0, 2)], device=_devices()[-1]
    )
    assert batch.reward.device.type == _devices()[-1]
    assert batch.token_step.device.type == _devices()[-1]
