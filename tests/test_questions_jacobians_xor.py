"""The test cases of jacobians-xor, run in process on the master notebook's own answers.

No kernel and no zip: the notebook's solution cells run here, its test cells are defined
here, and each test case is called on those answers, then on answers written in other
forms (which must pass public and hidden alike) and on plausible mistakes (which must pass
the public checks, fail the named hidden test and say why). The real-zip lane
(tests/test_assignments.py) grades the same through otter.
"""

import ast
import copy

import handout_jacobians_xor as handout
import matplotlib
import nbformat
import numpy as np
import pytest

from autograder.instructor.paths import ASSIGNMENTS
from autograder.runtime.questions import jacobians_xor as hidden_tests
from autograder.student import jacobians_xor as public_checks
from autograder.student.checks import AnswerError

matplotlib.use("Agg")  # the plot cell must not open a window
NOTEBOOK = ASSIGNMENTS / "jacobians-xor" / "jacobians-xor.ipynb"


def _cells():
    """(source, in a test section?) of each code cell of the master notebook."""
    inside = False
    for cell in nbformat.read(NOTEBOOK, as_version=4).cells:
        text = cell.source.strip()
        if cell.cell_type == "raw" and text.startswith("# BEGIN TESTS"):
            inside = True
        elif cell.cell_type == "raw" and text.startswith("# END TESTS"):
            inside = False
        elif cell.cell_type == "code":
            yield cell.source, inside


@pytest.fixture(scope="module")
def solution():
    """The master notebook's namespace after running every cell outside the tests."""
    ns = {}
    for source, is_test in _cells():
        if not is_test:
            exec(compile(source, str(NOTEBOOK), "exec"), ns)
    return ns


@pytest.fixture(scope="module")
def cases():
    """{test name: (function, hidden?)} for every test cell of the notebook."""
    out = {}
    for source, is_test in _cells():
        if is_test:
            ns = {}
            exec(compile(source, str(NOTEBOOK), "exec"), ns)
            name = next(n.name for n in ast.parse(source).body
                        if isinstance(n, ast.FunctionDef))
            out[name] = (ns[name], "hidden: true" in source)
    return out


def _run(case, answers):
    """Call a test case with the answers its parameters name; return the AnswerError or None."""
    fn, _ = case
    names = fn.__code__.co_varnames[:fn.__code__.co_argcount]
    try:
        fn(*(answers[n] for n in names))
    except AnswerError as e:
        return e
    return None


def _with(answers, **changes):
    out = copy.copy(answers)
    for key, value in changes.items():
        if key in ("mcq_answers", "jacobian_shapes"):
            out[key] = {**answers[key], **value}
        else:
            out[key] = value
    return out


def _failures(cases, answers):
    return {name: str(err) for name, case in cases.items()
            if (err := _run(case, answers)) is not None}


def test_every_test_cell_is_one_import_and_one_call():
    """Is every test cell's body (after its docstring) one import from its question module,
    the public checks for a public test and the hidden tests for a hidden one, and a call?"""
    for source, is_test in _cells():
        if not is_test:
            continue
        fn = next(n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef))
        module = (hidden_tests if "hidden: true" in source else public_checks).__name__
        _, imported, called = fn.body
        assert isinstance(imported, ast.ImportFrom) and imported.module == module, fn.name
        assert isinstance(called, ast.Expr) and isinstance(called.value, ast.Call), fn.name
        assert called.value.func.id == imported.names[0].name, fn.name


def test_the_solution_passes_every_test_case(cases, solution):
    """Do all 50 test cases (15 public, 35 hidden) pass on the notebook's own answers?"""
    assert len(cases) == 55 and sum(h for _, h in cases.values()) == 40
    assert _failures(cases, solution) == {}


# Correct answers written in other forms: each must pass every test case, public and hidden.
EQUIVALENT_FORMS = {
    "letters in other forms": dict(mcq_answers={1: ["a"], "2": "b", 4: " d ", 9: {"A"},
                                                10: ("a",)}),
    "shapes as lists, arrays and floats": dict(jacobian_shapes={
        1: np.array([1, 3]), 4: [5, 3], 5: (3.0, 3.0), "7": [5.0, 4, 4, 3]}),
    "numpy bool": dict(single_layer_can_xor=np.bool_(False)),
    "network as lists, columns and arrays": dict(W1=[[1, -1], [-1, 1]], b1=[[0], [0]],
                                                 W2=[1, 1], b2=np.array([[0]])),
    "numbers as ints, numpy scalars and 0-d arrays": dict(
        h1=0, h2=np.float64(np.exp(3)), h3=np.array(2 * np.exp(3)), f=40.17107,
        df_dh1=np.int64(1), df_dh2=2, df_dx=1, df_dy=40.17, df_dz=20.09),
    "local partials as ints": dict(local_partials={
        "dh1_dx": 1, "dh2_dy": 20.09, "dh3_dh2": 2, "dh3_dz": 20.0855, "df_dh1": 1,
        "df_dh3": 1}),
    "graph without input nodes, other spellings, other numbering": dict(
        computation_graph={"H1": "y", "h2": ("h1", "z"), "h3": {"x"}, "f": ["h3", " h2"]}),
}


@pytest.mark.parametrize("form", EQUIVALENT_FORMS)
def test_equivalent_forms_pass_public_and_hidden(cases, solution, form):
    """Does a right answer in another form pass every public check and every hidden test?"""
    assert _failures(cases, _with(solution, **EQUIVALENT_FORMS[form])) == {}


def _functions(solution):
    """Variants of the notebook's functions, written the ways students write them."""
    np_ = np
    return {
        "relu_prime_bool": lambda z: np_.asarray(z) > 0,
        "relu_prime_int_at_zero": lambda z: np_.where(np_.asarray(z) >= 0, 1, 0),
        "jac_dot_list": lambda w, x: [[float(v) for v in x]],
        "grads_db2_array": lambda X, y: {
            **solution["xor_zero_init_grads"](X, y),
            "db2": np_.array([solution["xor_zero_init_grads"](X, y)["db2"]])},
    }


def test_functions_returning_other_forms_pass(cases, solution):
    """Do functions returning bools, ints, lists or a 1-element db2 pass everything?"""
    f = _functions(solution)
    answers = _with(solution, relu_prime=f["relu_prime_bool"], jac_dot=f["jac_dot_list"],
                    xor_zero_init_grads=f["grads_db2_array"])
    assert _failures(cases, answers) == {}
    assert _failures(cases, _with(solution, relu_prime=f["relu_prime_int_at_zero"])) == {}


# Plausible mistakes: (changes, the one test case that fails, a phrase of its message).
# The public checks must all pass: each answer is of the right kind, only its value is wrong.
MISTAKES = {
    "mcq item 3": (dict(mcq_answers={3: "B"}), "test_q1_item_3", "mcq_answers[3] is not"),
    "mcq item 9": (dict(mcq_answers={9: "c"}), "test_q1_item_9", "mcq_answers[9] is not"),
    "mcq item 10": (dict(mcq_answers={10: "B"}), "test_q1_item_10", "mcq_answers[10] is not"),
    "scalar Jacobian as a column": (dict(jacobian_shapes={2: (3, 1)}),
                                    "test_q2_shapes_scalar_outputs", "looks transposed"),
    "matvec transposed": (dict(jacobian_shapes={4: (3, 5)}), "test_q2_shapes_matvec",
                          "looks transposed"),
    "square as a vector": (dict(jacobian_shapes={6: (3,)}), "test_q2_shapes_vector_outputs",
                           "is the shape of the input (and of the output)"),
    "item 7 flattened": (dict(jacobian_shapes={7: (20, 12)}), "test_q2_shapes_matrix_product",
                         "too few axes"),
    "says yes": (dict(single_layer_can_xor=True), "test_q4_1_value", "is not correct"),
    "h2 = exp(x)": (dict(h2=np.e), "test_q5_2_h2", "exp(x)"),
    "df_dh2 = 1": (dict(df_dh2=1.0), "test_q5_3_upstream", "one bullet of the worked answer"),
    "df_dy without z": (dict(df_dy=np.exp(3)), "test_q5_4_df_dy", "the factor z is missing"),
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_plausible_mistakes_fail_one_hidden_test_and_no_public_check(cases, solution, mistake):
    """Does the mistake fail exactly its hidden test, with a message naming it?"""
    changes, test, phrase = MISTAKES[mistake]
    failures = _failures(cases, _with(solution, **changes))
    assert list(failures) == [test]
    assert cases[test][1] and phrase in failures[test]


def test_jacobian_shape_mistakes_are_named_by_the_hidden_test_only(cases, solution):
    """Does a (d,) jac_constant fail the public check without a diagnosis, and the hidden
    test with one, neither giving the right shape?"""
    answers = _with(solution, jac_constant=lambda w: np.zeros(np.size(w)))
    failures = _failures(cases, answers)
    assert set(failures) == {"test_q2_values_format", "test_q2_values_constant"}
    assert "has no axis for the output" in failures["test_q2_values_constant"]
    assert "(1, 4)" not in failures["test_q2_values_format"]
    assert "(1, 3)" not in failures["test_q2_values_constant"]


# Answers of the wrong kind: the public check and every hidden test of the answer reject it.
WRONG_KINDS = {
    "letter outside the options": dict(mcq_answers={2: "C"}),
    "shape with a zero": dict(jacobian_shapes={1: (0, 3)}),
    "shape as a string": dict(jacobian_shapes={4: "5, 3"}),
    "number as a list": dict(h1=[0.0]),
    "missing key": dict(local_partials={"dh1_dx": 1.0}),
    "graph with an unknown node": dict(computation_graph={"h1": ["x"], "g": ["f"]}),
    "b1 too long": dict(b1=np.zeros(3)),
    "boolean as a string": dict(single_layer_can_xor="False"),
}


@pytest.mark.parametrize("kind", WRONG_KINDS)
def test_wrong_kinds_fail_the_public_check_and_the_hidden_tests(cases, solution, kind):
    """Is an answer of the wrong kind rejected by its public check as well as its hidden
    tests (never accepted by one and rejected by the other)?"""
    failures = _failures(cases, _with(solution, **WRONG_KINDS[kind]))
    assert any(not cases[n][1] for n in failures), failures
    assert any(cases[n][1] for n in failures), failures


# ------------------------------------------------------------------ the mistake diagnoses

def test_jacobian_shape_problem_names_each_layout_mistake():
    """Does each plausible wrong Jacobian shape get its own phrase, never the right shape?"""
    problem = hidden_tests.jacobian_shape_problem
    assert problem((1, 3), (1,), (3,)) is None
    assert "looks transposed" in problem((3, 1), (1,), (3,))
    assert "no axis for the output" in problem((3,), (1,), (3,))
    assert "shape of the output" in problem((5,), (5,), (3,))
    assert "shape of the input (and of the output)" in problem((3,), (3,), (3,))
    assert "extra axes of length 1" in problem((1, 3, 1), (1,), (3,))
    assert "too few axes" in problem((20, 12), (5, 4), (4, 3))
    assert "is not the right shape" in problem((2, 2), (1,), (3,))


def _graph(graph):
    return public_checks.graph_answer(graph)


def test_graph_problem_accepts_the_graph_in_any_form_and_numbering():
    """Is the handout's graph accepted without input nodes, as tuples/sets/strings, and with
    h1, h2, h3 numbered in another order?"""
    import solutions.jacobians_xor as sol
    for graph in [sol.computation_graph,
                  {"h1": ["x"], "h2": ["y"], "h3": ["h2", "z"], "f": ["h1", "h3"]},
                  {"H1": "x", "h2": ("y",), "h3": {"z", "h2"}, "f": ["h3", " h1"], "z": ()},
                  {"h1": ["y"], "h2": ["h1", "z"], "h3": ["x"], "f": ["h3", "h2"]}]:
        assert hidden_tests.graph_problem(_graph(graph)) is None, graph


@pytest.mark.parametrize("graph, phrase", [
    ({"x": ["h1"], "y": ["h2"], "z": ["h3"], "h1": ["f"], "h2": ["h3"], "h3": ["f"], "f": []},
     "looks reversed"),
    ({"h1": ["x"], "h2": ["y"], "h3": ["y", "z"], "f": ["h1", "h3"]}, "'h2' is not an input"),
    ({"h1": ["x"], "h2": ["y"], "h3": ["h2", "z"], "f": ["x", "h3"]}, "'h1' is not an input"),
    ({"h1": ["x"], "h2": ["y"], "h3": ["h2", "z"], "f": ["h1", "h2", "h3"]},
     "more than two inputs"),
    ({"h1": ["x"], "h2": ["y"], "h3": ["h2", "z"], "f": []}, "'f' has no inputs"),
    ({"x": ["x"], "h1": ["x"], "h2": ["y"], "h3": ["h2", "z"], "f": ["h1", "h3"]},
     "x is an input of the graph"),
    ({"h1": ["x"], "h2": ["y"], "h3": ["h2", "z"], "f": ["h1", "z"]}, "'h3' is not an input"),
])
def test_graph_problem_names_each_wrong_graph(graph, phrase):
    """Is each plausible wrong graph rejected with a message naming its mistake (and not
    giving the graph)?"""
    problem = hidden_tests.graph_problem(_graph(graph))
    assert problem is not None and phrase in problem, problem
    assert "['h2', 'z']" not in problem and "h2 z" not in problem


@pytest.mark.parametrize("bad, phrase", [
    (..., "still `...`"), ([["x"]], "should be a dict"), ({"h1": ["q"]}, "uses the name 'q'"),
    ({"g": ["x"]}, "has the key 'g'"), ({"h1": [1]}, "list of node names"),
    ({"h1": ["x", "x"]}, "same input twice"), ({"h1": ["x"], "H1": ["x"]}, "twice"),
    ({"h1": ["x"], "h2": ["y"], "h3": ["h2", "z"]}, "has no node 'f'"),
])
def test_graph_answer_rejects_non_graphs(bad, phrase):
    """Do `...`, a list, unknown names, non-string inputs and a missing node fail the format
    check with a reason?"""
    with pytest.raises(AnswerError, match=phrase.replace("`", ".").replace("(", ".")):
        public_checks.graph_answer(bad)


def test_mistake_catalogues_differ_from_the_reference():
    """Is no catalogued mistake equal to the right value on the tests' inputs (so a right
    answer is never named as a mistake)?"""
    import solutions.jacobians_xor as sol
    x, y, z = handout.GRAPH_POINT
    for key, catalogue in hidden_tests.graph_mistakes(x, y, z).items():
        for wrong in catalogue.values():
            assert not np.isclose(wrong, handout.graph_values[key]), key
    for key, catalogue in hidden_tests.local_partial_mistakes(x, y, z).items():
        for wrong in catalogue.values():
            assert not np.isclose(wrong, handout.local_partials[key]), key
    w = np.random.default_rng(0).normal(size=3)
    for catalogue, right in [(hidden_tests.sq_norm_mistakes(w), sol.jac_sq_norm(w)),
                             (hidden_tests.identity_mistakes(w), sol.jac_identity(w)),
                             (hidden_tests.square_mistakes(w), sol.jac_square(w))]:
        for wrong in catalogue.values():
            assert not np.allclose(wrong, right)


def test_q4_2_names_the_first_wrong_input_and_counts_them():
    """With b1 = 0 (h1 = h2), W2 sign-flipped or b2 off, is the first wrong input named with
    the number of wrong ones, and is an output 1e-7 off still right?"""
    import solutions.jacobians_xor as sol
    for (b1, W2, b2), phrase in [
            (([0, 0], sol.W2, sol.b2), "on input x = (0, 1), where XOR(x) = 1 (3 of the 4"),
            ((sol.b1, [-1, 2], sol.b2), "on input x = (0, 1), where XOR(x) = 1 (2 of the 4"),
            ((sol.b1, sol.W2, 1e-3), "on input x = (0, 0), where XOR(x) = 0 (4 of the 4")]:
        with pytest.raises(AnswerError, match=phrase.replace("(", r"\(").replace(")", r"\)")):
            hidden_tests.q4_2_computes_xor(sol.W1, b1, W2, b2)
    hidden_tests.q4_2_computes_xor(sol.W1, sol.b1, sol.W2, 1e-7)
    with pytest.raises(AnswerError, match="b2 contains NaN"):
        hidden_tests.q4_2_computes_xor(sol.W1, sol.b1, sol.W2, np.nan)


# ------------------------------------------------------------------ every student's numbers

ADA, BOB = "ada@example.edu", "bob@example.edu"


def _own_answers(email):
    """The notebook's answers to the variant questions, worked out on ``email``'s numbers."""
    import solutions.jacobians_xor as sol
    sizes = public_checks.VARIANTS.numbers("q2", email)
    point = hidden_tests.q5_point(public_checks.VARIANTS.numbers("q5", email))
    values = sol.graph_forward_backward(*point)
    return {"student_email": email,
            "jacobian_shapes": sol.jacobian_shapes_for(sizes["n"], sizes["d"], sizes["k"]),
            "local_partials": sol.local_partials_at(*point), **values}


def _variant_cases(cases):
    return {name: case for name, case in cases.items()
            if "student_email" in case[0].__code__.co_varnames}


def test_the_variant_tests_are_the_hand_computed_ones(cases):
    """Do exactly the test cases of q2_shapes, q2_extra's shape and q5_2 to q5_4 (and their
    public checks) take student_email?"""
    assert set(_variant_cases(cases)) == {
        "test_q2_shapes_format", "test_q2_shapes_scalar_outputs", "test_q2_shapes_matvec",
        "test_q2_shapes_vector_outputs", "test_q2_extra_format", "test_q2_shapes_matrix_product",
        "test_q5_2_format", "test_q5_2_h1", "test_q5_2_h2", "test_q5_2_h3", "test_q5_2_f",
        "test_q5_3_format", "test_q5_3_local_partials", "test_q5_3_upstream",
        "test_q5_4_format", "test_q5_4_df_dx", "test_q5_4_df_dy", "test_q5_4_df_dz"}


def test_a_students_own_answers_pass_and_another_students_fail(cases, solution):
    """Do answers worked out on Ada's numbers pass every test under her email, and fail
    every variant test but those Bob's numbers happen to share under his?"""
    ada = {**solution, **_own_answers(ADA)}
    assert _failures(cases, ada) == {}
    failures = _failures(cases, {**ada, "student_email": BOB})
    assert set(failures) <= set(_variant_cases(cases))
    # Ada's and Bob's z are both 4: df_dh2 = z is right for both
    assert set(_variant_cases(cases)) - set(failures) - {
        n for n in cases if n.endswith("_format")} == {"test_q5_3_upstream"}
    assert all("not correct" in m or "shape" in m for m in failures.values()), failures


def test_answers_for_the_notebooks_email_are_named_under_another_submitter(solution):
    """Submitted by Bob with Ada's email in the notebook, are Ada's answers told they are
    right for the notebook's email, without Bob's numbers?"""
    from autograder.runtime import variant_grading
    ada = _own_answers(ADA)
    variant_grading.start_grading([BOB])
    try:
        with pytest.raises(AnswerError, match="email written in the notebook") as info:
            hidden_tests.q5_hand_value(ada["f"], "f", ADA)
        assert info.value.mistake == variant_grading.OTHER_VARIANT
        with pytest.raises(AnswerError, match="email written in the notebook"):
            hidden_tests.q2_shape_items(ada["jacobian_shapes"], (4,), ADA)
        hidden_tests.q5_hand_value(_own_answers(BOB)["f"], "f", ADA)
    finally:
        variant_grading.start_grading(None)


@pytest.mark.parametrize("email", ["handout", ADA, BOB])
def test_every_q5_mistake_is_named_at_a_variant(email):
    """At the handout's and at students' own points, is each catalogued wrong value of q5_2
    to q5_4 and of the local partials rejected and named?"""
    point = hidden_tests.q5_point(public_checks.VARIANTS.numbers("q5", email))
    for name, catalogue in hidden_tests.graph_mistakes(*point).items():
        for description, wrong in catalogue.items():
            with pytest.raises(AnswerError) as info:
                hidden_tests.q5_hand_value(wrong, name, email)
            assert info.value.mistake == description, (name, description)
    right = _own_answers(email)["local_partials"]
    for key, catalogue in hidden_tests.local_partial_mistakes(*point).items():
        for description, wrong in catalogue.items():
            with pytest.raises(AnswerError) as info:
                hidden_tests.q5_3_local_partials({**right, key: wrong}, email)
            assert info.value.mistake == description, (key, description)


@pytest.mark.parametrize("email", ["handout", ADA, BOB])
def test_every_shape_mistake_fails_at_a_variant(email):
    """At the handout's and at students' own sizes, is each catalogued wrong shape of every
    q2 item rejected (input then output, a shape alone, flattened, two sizes exchanged)?"""
    sizes = public_checks.VARIANTS.numbers("q2", email)
    right = _own_answers(email)["jacobian_shapes"]
    hidden_tests.q2_shape_items(right, tuple(range(1, 8)), email)
    for item in range(1, 8):
        catalogue = hidden_tests.shape_mistakes(item, sizes["n"], sizes["d"], sizes["k"])
        assert len(catalogue) >= 4, item
        for wrong in catalogue.values():
            with pytest.raises(AnswerError, match=f"jacobian_shapes.{item}."):
                hidden_tests.q2_shape_items({**right, item: wrong}, (item,), email)


def test_a_wrong_email_gives_zero_on_the_variant_tests_only(cases, solution):
    """With student_email empty, do the variant tests (public and hidden) fail saying so,
    and every other test still pass?"""
    failures = _failures(cases, {**solution, "student_email": ""})
    assert set(failures) == set(_variant_cases(cases))
    assert all("student_email is empty" in m for m in failures.values()), failures
