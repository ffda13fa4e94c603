"""Hostile submissions against chain-rule's carried-forward credit (q2_2c), in process.

Carried-forward credit spares a student a second penalty for a forward/output_grads that
q2_1 already marked wrong. It must not pay a gd_train that does not train when the helpers
are right wherever q2_1 grades them and "wrong" only where q2_2c trains (its network is
3 inputs, 4 hidden units, a size q2_1 never uses).
"""

import numpy as np
import pytest

import autograder.runtime.questions.chain_rule as q
from autograder.student.checks import AnswerError
from solutions import chain_rule as cr

TRAINING_SIZE = (3, 4)  # q2_2c_values' network (d, h)


def _is_training_size(W0):
    return np.shape(W0) == (TRAINING_SIZE[1], TRAINING_SIZE[0])


def steering_forward(x, W0, b0, W1, b1):
    return cr.forward(x, W0, b0, W1, b1)


def steering_output_grads(x, W0, b0, W1, b1):
    """Right at every size q2_1 grades; zero gradients at the training's size, so the
    training carried forward with it never moves."""
    grads = cr.output_grads(x, W0, b0, W1, b1)
    if _is_training_size(W0):
        return {k: np.zeros_like(np.asarray(v, dtype=float)) for k, v in grads.items()}
    return grads


def idle_gd_train(params, X, y, lr, steps):
    """Does not train: returns its start."""
    return {k: np.copy(v) for k, v in params.items()}


def test_the_steering_helpers_pass_q2_1():
    """The attack's premise: q2_1 gives these helpers full marks."""
    assert TRAINING_SIZE not in q.Q2_1_SIZES
    q.q2_1a_values(steering_forward)
    for keys, seed in ((("dW1", "db1"), 2102), (("dz",), 2103), (("db0", "dW0"), 2104)):
        q.output_grads_values(steering_output_grads, keys, seed)


def test_helpers_right_where_graded_carry_nothing_into_q2_2c():
    """A gd_train that returns its start fails q2_2c, whatever the helpers do at a size
    q2_1 does not grade."""
    with pytest.raises(AnswerError):
        q.q2_2c_values(idle_gd_train, steering_forward, steering_output_grads)


def _at_zero(W0, W1):
    return not np.any(W0) and not np.any(W1)


def zero_forward(x, W0, b0, W1, b1):
    """Right wherever q2_1a grades it; at all-zero weights, whatever zero_init_values says."""
    return idle_zero_init_values(x, len(b0)) if _at_zero(W0, W1) else cr.forward(x, W0, b0, W1, b1)


def idle_zero_init_values(x, h):
    return np.zeros(h), np.zeros(1)


def zero_output_grads(x, W0, b0, W1, b1):
    return idle_zero_init_grads(x, len(b0)) if _at_zero(W0, W1) else \
        cr.output_grads(x, W0, b0, W1, b1)


def idle_zero_init_grads(x, h):
    return {"dW1": np.zeros((1, h)), "db1": np.zeros(1), "dz": np.zeros(h),
            "db0": np.zeros(h), "dW0": np.zeros((h, len(x)))}


def test_helpers_wrong_only_at_zero_weights_carry_nothing_into_q2_2a_and_q2_2b():
    """q2_1 never grades at all-zero weights: helpers "wrong" only there (full q2_1 marks)
    must not carry wrong zero_init_values / zero_init_grads into credit."""
    q.q2_1a_values(zero_forward)
    for keys, seed in ((("dW1", "db1"), 2102), (("dz",), 2103), (("db0", "dW0"), 2104)):
        q.output_grads_values(zero_output_grads, keys, seed)
    with pytest.raises(AnswerError):
        q.q2_2a_values(idle_zero_init_values, zero_forward)
    with pytest.raises(AnswerError):
        q.q2_2b_values(idle_zero_init_grads, zero_output_grads)
