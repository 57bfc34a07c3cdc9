import pytest
import torch

from weight_average import average_state_dicts


def test_floating_tensors_are_interpolated_and_counters_come_from_the_tuned_model():
    start = {"w": torch.zeros(2, 3), "bn.num_batches_tracked": torch.tensor(5)}
    tuned = {"w": torch.full((2, 3), 4.0), "bn.num_batches_tracked": torch.tensor(9)}
    out = average_state_dicts(start, tuned, 0.25)
    assert torch.equal(out["w"], torch.full((2, 3), 1.0))
    assert int(out["bn.num_batches_tracked"]) == 9
    assert torch.equal(average_state_dicts(start, tuned, 0.0)["w"], start["w"])
    assert torch.equal(average_state_dicts(start, tuned, 1.0)["w"], tuned["w"])


def test_different_networks_are_refused():
    with pytest.raises(ValueError, match="different tensors"):
        average_state_dicts({"a": torch.zeros(1)}, {"b": torch.zeros(1)}, 0.5)
    with pytest.raises(ValueError, match="shape"):
        average_state_dicts({"a": torch.zeros(1)}, {"a": torch.zeros(2)}, 0.5)
    with pytest.raises(ValueError, match="alpha"):
        average_state_dicts({"a": torch.zeros(1)}, {"a": torch.zeros(1)}, 1.5)
