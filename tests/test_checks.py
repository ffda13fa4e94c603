"""Does the grading core accept every correct form and name every plausible mistake?"""

import numpy as np
import pytest

from autograder.checks import (HAND, IMPLEMENTED, AnswerError, as_float_array, call,
                               check_close, check_int, check_letters, check_network_computes,
                               check_shape, normalize_letters)
from autograder.wire import Opaque

EXPECTED = np.array([[0.26, -0.12], [-0.8, -0.02]])


@pytest.mark.parametrize("answer", [
    [[0.26, -0.12], [-0.8, -0.02]],
    ((0.26, -0.12), (-0.8, -0.02)),
    np.array([[0.26, -0.12], [-0.8, -0.02]], dtype=np.float32),
    np.array([[0.26, -0.12], [-0.8, -0.02]]),
])
def test_equivalent_forms_pass(answer):
    """Does a list, tuple, float32 or float64 array of the right values pass?"""
    check_close(answer, EXPECTED, "W_updated", **HAND)


@pytest.mark.parametrize("answer", [0.25, np.float64(0.25), np.float32(0.25), np.array(0.25), 1 / 4])
def test_scalars_in_any_form_pass(answer):
    """Does a number pass as a python float, numpy scalar or 0-d array?"""
    check_close(answer, 0.25, "sigmoid_prime_max", **HAND)


def test_four_significant_figures_pass_by_hand_but_not_for_functions():
    """Is 0.001364 accepted for 0.00136364 by hand, and refused from an implemented function?"""
    check_close(0.001364, 0.0013636364, "g", **HAND)
    with pytest.raises(AnswerError):
        check_close(0.001364, 0.0013636364, "g", **IMPLEMENTED)


@pytest.mark.parametrize("answer, phrase", [
    (EXPECTED.T, "transposed"),
    (-EXPECTED, "wrong sign"),
    (2 * EXPECTED, "factor of 2"),
    (EXPECTED / 2, "factor of 1/2"),
    (EXPECTED.reshape(-1), "shape (4,) but should have shape (2, 2)"),
    (np.full((2, 2), np.nan), "NaN"),
    (np.full((2, 2), np.inf), "inf"),
    ("0.26", "not a string"),
    (None, "return"),
    (..., "still `...`"),
    (True, "not a boolean"),
    ([[1, 2], [3]], "rows of different lengths"),
    (Opaque("AlwaysEqual"), "not AlwaysEqual"),
    (np.array([[1 + 1j, 0], [0, 0]]), "not complex"),
])
def test_plausible_mistakes_are_named(answer, phrase):
    """Is each plausible mistake rejected with a message that names it?"""
    with pytest.raises(AnswerError) as info:
        check_close(answer, EXPECTED, "W_updated", **HAND)
    assert phrase in str(info.value)


def test_mean_instead_of_sum_is_named_when_n_is_given():
    """Is an answer divided by n called a mean where a sum belongs?"""
    with pytest.raises(AnswerError, match="divided by 5: a mean where a sum belongs"):
        check_close(EXPECTED / 5, EXPECTED, "dW", n=5)


def test_custom_mistakes_come_first():
    """Does a test's own mistake description win over the generic ones?"""
    with pytest.raises(AnswerError, match="uphill"):
        check_close(-EXPECTED, EXPECTED, "W", mistakes={"it steps uphill": -EXPECTED})


def test_messages_never_print_the_expected_value():
    """Does a wrong answer's message leave out every expected entry?"""
    expected = np.array([[0.123456, 7.654321], [3.14159, 2.71828]])
    for wrong in [expected + 1, expected.T, -expected, expected[0]]:
        with pytest.raises(AnswerError) as info:
            check_close(wrong, expected, "x")
        for v in expected.reshape(-1):
            assert f"{v:.3g}" not in str(info.value)


def test_shape_question_does_not_reveal_the_shape():
    """With reveal=False, does a wrong shape answer keep the expected shape secret?"""
    with pytest.raises(AnswerError) as info:
        check_shape(np.zeros((3, 4)), (5, 3, 4, 4), "jacobian", reveal=False)
    assert "(5, 3, 4, 4)" not in str(info.value)


def test_an_object_pretending_to_be_a_number_is_refused():
    """Is an always-equal float subclass refused, not compared?"""
    class AlwaysEqual(float):
        def __eq__(self, other):
            return True

    with pytest.raises(AnswerError, match="not AlwaysEqual"):
        as_float_array(AlwaysEqual(0.0), "x")


@pytest.mark.parametrize("answer", ["C", "c", " C ", ["C"], ("c",), {"C"}])
def test_letters_in_any_form(answer):
    """Does one letter pass as a string in any case, or a one-item list, tuple or set?"""
    check_letters(answer, "C", "q")


def test_multi_select_forms_are_equivalent():
    """Are "A, C", "AC", "a c" and ["A", "C"] the same answer, and "A" alone wrong?"""
    assert {normalize_letters(a, "q") for a in ["A, C", "AC", "a c", ["A", "C"]]} == {
        frozenset("AC")}
    with pytest.raises(AnswerError):
        check_letters("A", "AC", "q")


def test_check_int_accepts_numpy_ints_and_rejects_fractions():
    """Is np.int64(11) accepted for 11, and 11.5 or "11" refused?"""
    check_int(np.int64(11), 11, "edges")
    for bad in [11.5, "11", True]:
        with pytest.raises(AnswerError):
            check_int(bad, 11, "edges")


def test_network_check_names_the_failing_input():
    """Does a network that gets one row wrong say which input it is?"""
    net = {"W": [[1, 0, 0, 0]], "b": [-0.5], "v": [1], "c": -0.5}   # y = x0
    table = np.array([0] * 8 + [1] * 7 + [0])                       # x0 except 1111

    def evaluate(n):
        X = np.array([[(i >> (3 - j)) & 1 for j in range(4)] for i in range(16)])
        H = (X @ n["W"].T + n["b"] > 0)
        return (H @ n["v"] + n["c"] > 0).astype(int)

    with pytest.raises(AnswerError, match="outputs 1 on input 1111"):
        check_network_computes(net, table, "net", evaluate=evaluate)


def test_call_reports_the_students_exception_without_a_traceback():
    """Does a function that raises give 'f raised ZeroDivisionError: ...'?"""
    def f(x):
        return 1 / 0

    with pytest.raises(AnswerError, match="f raised ZeroDivisionError: division by zero"):
        call(f, 1)
