"""Does the grading core accept every correct form and name every plausible mistake?"""

import numpy as np
import pytest

from autograder.runtime.verdicts import (
    HAND,
    IMPLEMENTED,
    check_close,
    check_int,
    check_letters,
    check_network_computes,
    significant_figures,
)
from autograder.runtime.wire import Opaque
from autograder.student import checks
from autograder.student.checks import (
    AnswerError,
    as_float_array,
    call,
    check_shape,
    check_whole_number,
    normalize_letters,
)

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


@pytest.mark.parametrize("answer", [0.25, np.float64(0.25), np.float32(0.25), np.array(0.25),
                                    1 / 4])
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
    (None, "not defined"),
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


# ----------------------------------------------------------------------------- hand answers

G_000_3B = 0.0013636421727137  # dL/dw1 of seed 000 3(b), from solutions.matrix_backprop


@pytest.mark.parametrize("answer", [
    0.001365,             # the handout's own intermediates: 0.00081 x 1.6849 (1e-3 off)
    0.00081 * 1.6849,     # the same product, typed as a computation
    0.001364,             # the handout's printed answer
    0.0013636421727137,   # full precision
])
def test_answers_from_the_handouts_4_digit_intermediates_pass(answer):
    """Does a hand answer built from 4-digit intermediates pass (000 3(b): 0.00081 x 1.6849)?"""
    check_close(answer, G_000_3B, "dL/dw1", **HAND)


@pytest.mark.parametrize("answer, expected", [(0.25, 0.25), (0.26, 0.26), (0.120, 0.12004),
                                              (0, 0.0), (7.0, 7)])
def test_short_answers_pass_when_they_are_the_rounded_reference(answer, expected):
    """Does an answer with fewer than 4 figures pass when it is the reference rounded (0.120)?"""
    check_close(answer, expected, "x", **HAND)


def test_three_figures_are_close_but_not_precise_enough():
    """Is 20.1 for e^3 refused as close but not precise, without printing e^3?"""
    with pytest.raises(AnswerError) as info:
        check_close(20.1, np.exp(3), "e3", **HAND)
    message = str(info.value)
    assert "close, but not to the required precision" in message
    assert "significant figures" in message
    assert "20.09" not in message and "20.08" not in message


def test_close_is_said_for_implemented_functions_too():
    """Is an implemented value 1e-4 off told it is close (not precise to 1e-6)?"""
    with pytest.raises(AnswerError, match="close, but not to the required precision"):
        check_close(np.array([1.0001, 2.0]), np.array([1.0, 2.0]), "f", **IMPLEMENTED)


@pytest.mark.parametrize("answer, phrase", [
    (2 * G_000_3B, "factor of 2"),
    (-G_000_3B, "wrong sign"),
    (G_000_3B / 1.6849, "missing"),     # dy_hat/dw1: the factor dL/dy_hat left out
    (G_000_3B * 1.02, "not correct"),   # 2% off: far more than rounding allows
])
def test_named_mistakes_still_fail_with_the_hand_tolerance(answer, phrase):
    """Do the named mistakes of 000 3(b) still fail, and a 1% error too?"""
    mistakes = {"the factor dL/dy_hat is missing": G_000_3B / 1.6849}
    with pytest.raises(AnswerError) as info:
        check_close(answer, G_000_3B, "dL/dw1", **HAND, mistakes=mistakes)
    assert phrase in str(info.value)


def test_hand_tolerance_refuses_an_answer_2e3_off():
    """Is the hand tolerance a real bound: 0.3% off fails even with 4+ figures?"""
    with pytest.raises(AnswerError, match="close"):
        check_close(G_000_3B * 1.003, G_000_3B, "dL/dw1", **HAND)


@pytest.mark.parametrize("value, figures", [(0.001365, 4), (20.1, 3), (0.25, 2), (7.0, 1),
                                             (1 / 3, 16), (0.0, 1), (-123.8373, 7)])
def test_significant_figures_of_a_typed_number(value, figures):
    """Does a typed number keep the figures it was typed with?"""
    assert significant_figures(value) == figures


@pytest.mark.parametrize("value", [7, 7.0, np.int64(7), np.float64(7.0)])
def test_whole_number_forms_pass_public_and_hidden_checks_alike(value):
    """Is 7.0 a whole number for the public check exactly as for the hidden one?"""
    assert check_whole_number(value, "n") == 7
    assert check_int(value, 7, "n") == 7


@pytest.mark.parametrize("value", [7.5, "7", True, None, ...])
def test_whole_number_check_refuses_what_check_int_refuses(value):
    """Do the public and hidden whole-number checks refuse the same values?"""
    with pytest.raises(AnswerError):
        check_whole_number(value, "n")
    with pytest.raises(AnswerError):
        check_int(value, 7, "n")


# --- added for chain-rule

@pytest.mark.parametrize("value", [0.3, 3, np.float64(0.3), np.float32(0.3), np.int64(3),
                                   np.array(0.3)])
def test_check_scalar_accepts_a_number_in_any_form(value):
    """Is a python, numpy or 0-d number one number for check_scalar?"""
    from autograder.student.checks import check_scalar
    assert check_scalar(value, "b1") == pytest.approx(float(value))


@pytest.mark.parametrize("value, size_one", [([0.3], False), (np.zeros(2), True),
                                             (np.nan, False), (True, False), ("0.3", False)])
def test_check_scalar_refuses_what_is_not_one_finite_number(value, size_one):
    """Is a 1-vector (unless allowed), two numbers, NaN, a boolean or a string refused?"""
    from autograder.student.checks import check_scalar
    with pytest.raises(AnswerError):
        check_scalar(value, "b1", size_one=size_one)


def test_check_scalar_size_one_accepts_a_one_element_array():
    """With size_one, is np.array([0.3]) (a bias kept as a 1-vector) the number 0.3?"""
    from autograder.student.checks import check_scalar
    assert check_scalar(np.array([[0.3]]), "b1", size_one=True) == 0.3


@pytest.mark.parametrize("value, phrase", [(None, "forget to `return`"), (..., "still `...`")])
def test_check_returned_names_a_missing_answer(value, phrase):
    """Is None (no return) or ... (not answered) refused, saying which?"""
    from autograder.student.checks import check_returned
    with pytest.raises(AnswerError, match=phrase):
        check_returned(value, "f(x)")
    assert check_returned(0, "f(x)") == 0


def test_a_transposed_answer_carries_its_mistake_as_data():
    """Is "transposed" recorded as the answer's mistake (for the report), whether the shape
    or only the values show it, and is an unrelated wrong answer not?"""
    from autograder.student.checks import TRANSPOSED, check_finite_shape
    wide = np.arange(6.0).reshape(2, 3)
    for value, expected in [(wide.T, wide), (EXPECTED.T, EXPECTED)]:
        with pytest.raises(AnswerError) as e:
            check_close(value, expected, "dW")
        assert e.value.mistake == TRANSPOSED
    with pytest.raises(AnswerError) as e:
        check_finite_shape(wide.T, (2, 3), "dW")
    assert e.value.mistake == TRANSPOSED
    with pytest.raises(AnswerError) as e:
        check_close(EXPECTED + 1.0, EXPECTED, "dW")
    assert e.value.mistake is None


@pytest.mark.parametrize("check", [
    lambda v: checks.check_network_structure(v, "dnf_network"),
    lambda v: checks.check_keys(v, ["W"], "dnf_network"),
    lambda v: checks.check_whole_number(v, "dnf_network"),
    lambda v: checks.as_float_array(v, "dnf_network"),
    lambda v: checks.as_bool(v, "dnf_network"),
    lambda v: checks.normalize_letters(v, "dnf_network"),
    lambda v: checks.shape_answer(v, "dnf_network"),
    lambda v: checks.unpack(v, 2, "dnf_network"),
], ids=["network", "keys", "whole number", "array", "bool", "letters", "shape", "tuple"])
def test_an_undefined_name_is_said_to_be_undefined(check):
    """Is a name that was never defined (otter and the wire pass None) reported as not
    defined, not as a value of the wrong type ("not NoneType")?"""
    with pytest.raises(AnswerError) as info:
        check(None)
    assert "dnf_network is not defined" in str(info.value)
    assert "NoneType" not in str(info.value)


def test_a_function_without_return_is_said_to_return_none():
    """Does calling an empty function (it returns None) say so, whatever its result's
    format would have been?"""
    from autograder.student.checks import call

    def xor_zero_init_grads(X, y):
        """An empty stub: the docstring and `...`."""
        ...

    with pytest.raises(AnswerError, match="xor_zero_init_grads returns None: did you forget "
                                          "to `return`"):
        call(xor_zero_init_grads, 1, 2)
    assert call(lambda: 0, name="f") == 0


# --------------------------------------------------------------------------------------
# Every public check of every assignment, on the notebook's own answers with one changed
# --------------------------------------------------------------------------------------

def _public_cases():
    """(assignment, test name, function, parameter, the solution's value is a function?) for
    each parameter of each public test case of the four master notebooks."""
    import ast

    import nbformat

    from autograder.instructor.build import assignment_names
    from autograder.instructor.paths import ASSIGNMENTS
    out = []
    for name in assignment_names():
        inside = False
        for cell in nbformat.read(ASSIGNMENTS / name / f"{name}.ipynb", as_version=4).cells:
            text = cell.source.strip()
            if cell.cell_type == "raw" and text.startswith(("# BEGIN TESTS", "# END TESTS")):
                inside = text.startswith("# BEGIN")
            elif cell.cell_type == "code" and inside and "hidden: true" not in cell.source:
                fn = next(n for n in ast.parse(cell.source).body
                          if isinstance(n, ast.FunctionDef))
                out += [(name, fn.name, cell.source, a.arg) for a in fn.args.args]
    return out


# Answers a check uses only to carry an earlier error forward, whose failures are the
# earlier question's to report. mlp-backprop q1c grades mlp_backward: with the student's
# mlp_forward failing, it is checked on a cache of the suggested keys. matrix-backprop q1c
# grades gd_step against the student's own linear_backward where that one is usable, and
# against the reference alone where it is not (undefined, a stub, of no known kind).
TOLERATED = {("mlp-backprop", "test_q1c_structure", "mlp_forward"),
             ("matrix-backprop", "test_q1c_shapes", "linear_backward")}
PUBLIC_CASES = [c for c in _public_cases() if (c[0], c[1], c[3]) not in TOLERATED]
_SOLUTIONS = {}


def _solution(name):
    """The master notebook's namespace after its solution cells (outside the tests) run."""
    if name not in _SOLUTIONS:
        import matplotlib
        import nbformat

        from autograder.instructor.paths import ASSIGNMENTS
        matplotlib.use("Agg")
        path = ASSIGNMENTS / name / f"{name}.ipynb"
        ns, inside = {}, False
        for cell in nbformat.read(path, as_version=4).cells:
            text = cell.source.strip()
            if cell.cell_type == "raw" and text.startswith(("# BEGIN TESTS", "# END TESTS")):
                inside = text.startswith("# BEGIN")
            elif cell.cell_type == "code" and not inside and "otter" not in cell.source:
                exec(compile(cell.source, str(path), "exec"), ns)
        _SOLUTIONS[name] = ns
    return _SOLUTIONS[name]


def _public_failure(source, test, answers):
    """Run the public test ``test`` (its cell's ``source``) on ``answers``: the AnswerError it
    raised, or None. Any other exception fails the calling test (a check must explain)."""
    ns = {}
    exec(compile(source, test, "exec"), ns)
    fn = ns[test]
    names = fn.__code__.co_varnames[:fn.__code__.co_argcount]
    try:
        fn(*(answers.get(n) for n in names))
    except AnswerError as e:
        return e
    return None


def _ids(cases):
    return [f"{a}-{t}-{p}" for a, t, _, p in cases]


@pytest.mark.parametrize("name, test, source, param", PUBLIC_CASES, ids=_ids(PUBLIC_CASES))
def test_a_public_check_says_an_undefined_answer_is_undefined(name, test, source, param):
    """With one name never defined (otter passes None), does the check say that name is not
    defined, rather than that it has the wrong type?"""
    answers = _solution(name)
    assert _public_failure(source, test, answers) is None, "the solution should pass"
    error = _public_failure(source, test, {**answers, param: None})
    assert error is not None and f"{param} is not defined" in str(error), str(error)


@pytest.mark.parametrize("name, test, source, param", PUBLIC_CASES, ids=_ids(PUBLIC_CASES))
def test_a_public_check_names_an_unanswered_or_unreturned_answer(name, test, source, param):
    """Left as the stub leaves it (a value still `...`, a function whose body is `...` and so
    returns None), does the check say so, naming the answer?"""
    answers = _solution(name)
    if callable(answers[param]):
        def stub(*args):
            ...
        stub.__name__ = param
        error = _public_failure(source, test, {**answers, param: stub})
        assert error is not None and f"{param} returns None" in str(error), str(error)
    else:
        error = _public_failure(source, test, {**answers, param: ...})
        assert error is not None and "still `...`" in str(error), str(error)


@pytest.mark.parametrize("name, test, source, param", PUBLIC_CASES, ids=_ids(PUBLIC_CASES))
def test_a_public_check_explains_an_answer_of_no_known_kind(name, test, source, param):
    """An answer of a kind no check expects (an arbitrary object, or a function returning
    one): is it refused with an AnswerError naming the answer, never another exception?"""
    answers = _solution(name)

    class Thing:
        pass

    value = (lambda *args: Thing()) if callable(answers[param]) else Thing()
    error = _public_failure(source, test, {**answers, param: value})
    assert error is not None and ("Thing" in str(error) or param in str(error)), str(error)
