"""Unit tests of chain-rule's checks, run in process on plain python values (no kernel, no zip).

The public checks (autograder.student.chain_rule) and the hidden tests
(autograder.runtime.questions.chain_rule): the reference passes both; equivalent forms of a
right answer pass both; plausible mistakes fail the hidden test with their catalogued name;
the mistake catalogues differ from the right answers on the hidden tests' own inputs.
"""

import subprocess
import sys

import handout_chain_rule as handout
import numpy as np
import pytest

import autograder.runtime.questions.chain_rule as q
import autograder.student.chain_rule as pub
from autograder.runtime import variant_grading
from autograder.student.checks import AnswerError
from solutions import chain_rule as cr

SEEDS = [0, 1, 2, 3, 4]


@pytest.fixture(autouse=True)
def no_submitters():
    """q1b_point is graded on the notebook's student_email: no submitters named by a grading
    that ran before in this process."""
    variant_grading.start_grading(None)
    yield
    variant_grading.start_grading(None)


def random_net(seed, d=3, h=4):
    rng = np.random.default_rng(seed)
    x, p = rng.standard_normal(d), cr.random_params(d, h, rng)
    return x, p["W0"], p["b0"], p["W1"], p["b1"]


def regression_data(seed, n=10, d=3):
    X = np.random.default_rng(seed).standard_normal((n, d))
    return X, np.sin(X[:, 0]) + X[:, 1] ** 2 - 0.5 * X[:, 2]


# --------------------------------------------------------------------------------------
# Where the modules run
# --------------------------------------------------------------------------------------

def test_public_module_imports_neither_the_reference_nor_the_runtime():
    """Does autograder.student.chain_rule (shipped to students) load without solutions/ or
    autograder.runtime?"""
    code = ("import sys, autograder.student.chain_rule\n"
            "bad = [m for m in sys.modules if m.split('.')[0] == 'solutions'"
            " or m.startswith('autograder.runtime')]\n"
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_question_keys_are_the_references_keys():
    """Do the keys the format checks require match the dicts the reference returns?"""
    point = q.random_points(0)[0]
    assert pub.INPUTS == cr.INPUTS and pub.LOCAL_KEYS == cr.LOCAL_KEYS
    assert set(cr.paths) == set(pub.INPUTS)
    assert tuple(cr.local_partials(*point)) == pub.LOCAL_KEYS
    assert set(cr.v_partials(*point)) == set(pub.PARTIAL_KEYS)
    assert set(cr.output_grads(*random_net(0))) == set(pub.GRAD_KEYS)
    assert set(cr.constant_params(3, 4, 0.0)) == set(pub.PARAM_KEYS)


@pytest.mark.parametrize("seed", [8, 12])
def test_q1b_random_points_are_not_degenerate(seed):
    """Are q1b's random points away from a == b, s == 0, t == 0 and c == 0 (where terms vanish
    and mistakes would pass)?"""
    for c, w, x, y, z in q.random_points(seed):
        a, b = cr.intermediates(w, x, y, z)
        assert min(abs(a - b), abs(w + x + y), abs(x - y - z), abs(c)) > 0.1


# --------------------------------------------------------------------------------------
# The reference passes every check; right answers in other forms too
# --------------------------------------------------------------------------------------

def output_grads_keys(keys):
    def grads(*args):
        return {k: cr.output_grads(*args)[k] for k in keys}
    return grads


HIDDEN = {  # hidden test case -> a call of it on the reference
    "q1a_values": lambda: q.q1a_values(cr.paths),
    "q1a_chain_rule": lambda: q.q1a_chain_rule(cr.v_chain_rule),
    "q1b_v_partials": lambda: q.q1b_partials(cr.v_partials, "v_partials"),
    "q1b_local_partials": lambda: q.q1b_partials(cr.local_partials, "local_partials"),
    "q1b_point_values": lambda: q.q1b_point_values(handout.PARTIALS_AT_POINT, "handout"),
    "q2_1a_values": lambda: q.q2_1a_values(cr.forward),
    "q2_1b_values": lambda: q.output_grads_values(cr.output_grads, ("dW1", "db1"), seed=2102),
    "q2_1c_values": lambda: q.output_grads_values(cr.output_grads, ("dz",), seed=2103),
    "q2_1d_values": lambda: q.output_grads_values(cr.output_grads, ("db0", "dW0"), seed=2104),
    "q2_2a_values": lambda: q.q2_2a_values(cr.zero_init_values, cr.forward),
    "q2_2b_values": lambda: q.q2_2b_values(cr.zero_init_grads, cr.output_grads),
    "q2_2c_values": lambda: q.q2_2c_values(cr.gd_train, cr.forward, cr.output_grads),
    "q2_2c_symmetry": lambda: q.q2_2c_symmetry(cr.gd_train),
    "q4a_values": lambda: q.jacobian_shape_values(cr.composite_jacobian_shape,
                                                  "composite_jacobian_shape"),
    "q4b_values": lambda: q.q4b_values(cr.composite_derivative_sum),
    "q4c_matrix_input": lambda: q.jacobian_shape_values(cr.matrix_input_jacobian_shape,
                                                        "matrix_input_jacobian_shape"),
    "q4c_flattened": lambda: q.jacobian_shape_values(cr.flattened_jacobian_shape,
                                                     "flattened_jacobian_shape"),
}


@pytest.mark.parametrize("case", sorted(HIDDEN))
def test_the_reference_passes_the_hidden_test(case):
    """Does the reference solution pass this hidden test case?"""
    HIDDEN[case]()


def test_the_reference_passes_every_public_check():
    """Does the reference solution pass every public check?"""
    pub.q1a_format(cr.paths)
    pub.q1a_chain_rule_format(cr.v_chain_rule)
    pub.q1b_types(cr.local_partials, cr.v_partials)
    pub.q1b_point_types(handout.PARTIALS_AT_POINT, "handout")
    pub.q2_1a_shapes(cr.forward)
    for keys in (("dW1", "db1"), ("dz",), ("dW0", "db0")):
        pub.output_grads_shapes(cr.output_grads, keys)
    pub.q2_2a_shapes(cr.zero_init_values)
    pub.q2_2b_shapes(cr.zero_init_grads)
    pub.q2_2c_shapes(cr.gd_train)
    pub.q4a_format(cr.composite_jacobian_shape)
    pub.q4b_format(cr.composite_derivative_sum)
    pub.q4c_format(cr.matrix_input_jacobian_shape, cr.flattened_jacobian_shape)


def as_lists(f):
    """``f`` returning nested lists (and python floats) where it returned arrays."""
    def g(*args):
        out = f(*args)
        if isinstance(out, dict):
            return {k: np.asarray(v).tolist() for k, v in out.items()}
        return type(out)(np.asarray(v).tolist() for v in out)
    return g


def numpy_scalars(f):
    """``f`` returning numpy scalars and 0-d arrays where it returned python floats."""
    def g(*args):
        return {k: (np.float64(v) if i % 2 else np.array(v))
                for i, (k, v) in enumerate(f(*args).items())}
    return g


def forward_y_a_number(*args):
    z, y = cr.forward(*args)
    return list(z), float(y[0])


def output_grads_lists_db1_a_vector(*args):
    return {**as_lists(cr.output_grads)(*args), "db1": [1.0]}


EQUIVALENT = {  # a right answer in another form: (answer, its public check, its hidden test)
    "paths as lists, tuples, {} and upper case": (
        {"c": {}, "w": ["a"], "x": ("b", "a"), "y": frozenset("AB"), "z": [" b "]},
        pub.q1a_format, q.q1a_values),
    "local_partials as numpy scalars and 0-d arrays": (
        numpy_scalars(cr.local_partials), lambda f: pub.q1b_types(f, cr.v_partials),
        lambda f: q.q1b_partials(f, "local_partials")),
    "v_partials as numpy scalars and 0-d arrays": (
        numpy_scalars(cr.v_partials), lambda f: pub.q1b_types(cr.local_partials, f),
        lambda f: q.q1b_partials(f, "v_partials")),
    "partials_at_point as ints": (
        {k: int(v) for k, v in handout.PARTIALS_AT_POINT.items()},
        lambda a: pub.q1b_point_types(a, "handout"), lambda a: q.q1b_point_values(a, "handout")),
    "forward as a list, y a number": (forward_y_a_number, pub.q2_1a_shapes, q.q2_1a_values),
    "output_grads as lists, db1 a 1-vector": (
        output_grads_lists_db1_a_vector, lambda f: pub.output_grads_shapes(f, ("dW1", "db1")),
        lambda f: q.output_grads_values(f, ("dW1", "db1"), seed=2102)),
    "zero_init_values with y = 0": (
        lambda x, h: (np.full(h, 0.5), 0), pub.q2_2a_shapes,
        lambda f: q.q2_2a_values(f, cr.forward)),
    "zero_init_grads as lists": (
        as_lists(cr.zero_init_grads), pub.q2_2b_shapes,
        lambda f: q.q2_2b_values(f, cr.output_grads)),
    "gd_train returning lists": (as_lists(cr.gd_train), pub.q2_2c_shapes,
                                 lambda f: q.q2_2c_values(f, cr.forward, cr.output_grads)),
    "a shape as a 1-D array": (
        lambda m, n, l: np.array([m, l]), pub.q4a_format,
        lambda f: q.jacobian_shape_values(f, "composite_jacobian_shape")),
    "a shape as a list of a float and numpy ints": (
        lambda n, p, r: [float(n), np.int64(p), r],
        lambda f: pub.q4c_format(f, cr.flattened_jacobian_shape),
        lambda f: q.jacobian_shape_values(f, "matrix_input_jacobian_shape")),
    "a shape as (5.0, 7.0)": (
        lambda n, p, r: (float(n), float(p * r)),
        lambda f: pub.q4c_format(cr.matrix_input_jacobian_shape, f),
        lambda f: q.jacobian_shape_values(f, "flattened_jacobian_shape")),
    "the sum as a 0-d array": (
        lambda a, b: np.array(np.dot(a, b)), pub.q4b_format, q.q4b_values),
}


@pytest.mark.parametrize("form", sorted(EQUIVALENT))
def test_a_right_answer_in_another_form_passes_public_and_hidden(form):
    """Does a right answer written in this equivalent form pass its public check and its
    hidden test?"""
    answer, public, hidden = EQUIVALENT[form]
    public(answer)
    hidden(answer)


# --------------------------------------------------------------------------------------
# Plausible mistakes fail, named
# --------------------------------------------------------------------------------------

def replace_key(f, key, g):
    """``f`` with the entry ``key`` of its result replaced by ``g(result, *args)``."""
    def h(*args):
        out = dict(f(*args))
        out[key] = g(out, *args)
        return out
    return h


MISTAKES = {  # a wrong answer: (its hidden test, substring of the message, a catalogued mistake?)
    "paths: x only through a": (
        lambda: q.q1a_values({**cr.paths, "x": {"a"}}), "two intermediates", True),
    "v_chain_rule: dv/dx drops the b path": (
        lambda: q.q1a_chain_rule(replace_key(cr.v_chain_rule, "dv_dx",
                                             lambda o, p: p["dv_da"] * p["da_dx"])),
        "drops the path through b", True),
    "v_partials: dv/dz sign lost": (
        lambda: q.q1b_partials(replace_key(cr.v_partials, "dv_dz", lambda o, *a: -o["dv_dz"]),
                               "v_partials"), "a minus sign is lost", True),
    "local_partials: da/dw is a": (
        lambda: q.q1b_partials(replace_key(cr.local_partials, "da_dw",
                                           lambda o, c, w, x, y, z: (w + x + y) ** 2),
                               "local_partials"), "looks like a itself", True),
    "partials_at_point: rounded to 2 figures": (
        lambda: q.q1b_point_values({**handout.PARTIALS_AT_POINT, "dv_dx": -31.9}, "handout"),
        "close", False),
    "forward: no b0": (
        lambda: q.q2_1a_values(lambda x, W0, b0, W1, b1: cr.forward(x, W0, 0 * b0, W1, b1)),
        "the bias b0 is missing", True),
    "output_grads: dW1 in numerator layout": (
        lambda: q.output_grads_values(replace_key(cr.output_grads, "dW1", lambda o, *a: o["dW1"].T),
                                      ("dW1", "db1"), seed=2102), "numerator layout", True),
    "output_grads: dz with sigma'": (
        lambda: q.output_grads_values(
            replace_key(cr.output_grads, "dz", lambda o, *a: o["db0"]), ("dz",), seed=2103),
        "it includes sigma'", True),
    "output_grads: dW0 transposed": (
        lambda: q.output_grads_values(replace_key(cr.output_grads, "dW0", lambda o, *a: o["dW0"].T),
                                      ("db0", "dW0"), seed=2104), "looks transposed", True),
    "zero_init_values: sigma(0) = 0": (
        lambda: q.q2_2a_values(lambda x, h: (np.zeros(h), np.zeros(1)), cr.forward),
        "sigma(0) was taken as 0",
        True),
    "zero_init_grads: dW1 with z = 0": (
        lambda: q.q2_2b_values(replace_key(cr.zero_init_grads, "dW1",
                                           lambda o, x, h: np.zeros((1, h))), cr.output_grads),
        "z = 0", True),
    "gd_train: one step too few": (
        lambda: q.q2_2c_values(lambda p, X, y, lr, steps: cr.gd_train(p, X, y, lr, steps - 1),
                               cr.forward, cr.output_grads),
        "one step too few", True),
    "gd_train: only the first hidden unit trained": (
        lambda: q.q2_2c_symmetry(lambda p, X, y, lr, steps: {
            **cr.gd_train(p, X, y, lr, steps),
            "W0": np.vstack([cr.gd_train(p, X, y, lr, steps)["W0"][:1], np.asarray(p["W0"])[1:]])}),
        "no longer all equal", False),
    "composite_jacobian_shape: (l, m)": (
        lambda: q.jacobian_shape_values(lambda m, n, l: (l, m), "composite_jacobian_shape"),
        "rows and columns are swapped", True),
    "composite_derivative_sum: product of sums": (
        lambda: q.q4b_values(lambda a, b: float(np.sum(a) * np.sum(b))), "multiplies the two sums",
        True),
    "matrix_input_jacobian_shape: output index last": (
        lambda: q.jacobian_shape_values(lambda n, p, r: (p, r, n), "matrix_input_jacobian_shape"),
        "output's axis comes last", True),
    "flattened_jacobian_shape: p + q": (
        lambda: q.jacobian_shape_values(lambda n, p, r: (n, p + r), "flattened_jacobian_shape"),
        "p + q entries for vec(W)", True),
}


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_a_plausible_mistake_fails_its_hidden_test_named(mistake):
    """Does this wrong answer fail its hidden test, with a message naming the mistake (and the
    mistake recorded as data where a catalogue names it)?"""
    run, needle, catalogued = MISTAKES[mistake]
    with pytest.raises(AnswerError) as caught:
        run()
    assert needle in str(caught.value)
    assert (caught.value.mistake is not None) == catalogued


def test_every_hidden_test_case_has_a_plausible_mistake_here():
    """Is every hidden test case of the notebook failed by at least one mistake above?"""
    covered = {"q1a_values", "q1a_chain_rule", "q1b_v_partials", "q1b_local_partials",
               "q1b_point_values", "q2_1a_values", "q2_1b_values", "q2_1c_values",
               "q2_1d_values", "q2_2a_values", "q2_2b_values", "q2_2c_values", "q2_2c_symmetry",
               "q4a_values", "q4b_values", "q4c_matrix_input", "q4c_flattened"}
    assert covered == set(HIDDEN) and len(MISTAKES) >= len(HIDDEN)


@pytest.mark.parametrize("value, message", [
    (..., "still `...`"), (None, "paths is not defined"), ([], "should be a dict"),
    ({"c": set()}, "has no key 'w'"),
    ({"c": set(), "w": "a", "x": set(), "y": set(), "z": set()}, "should be a set of names"),
    ({"c": set(), "w": {"v"}, "x": set(), "y": set(), "z": set()}, "only the names"),
])
def test_paths_in_the_wrong_form_fail_the_format_check(value, message):
    """Is a paths answer of the wrong kind rejected, with the reason, by the shared format?"""
    with pytest.raises(AnswerError) as caught:
        pub.paths_format(value)
    assert message in str(caught.value)


@pytest.mark.parametrize("value, message", [
    (None, "is not defined (or is None)"), ("(2, 4)", "a tuple of whole numbers"),
    ((2.5, 4), "whole numbers"), ((0, 4), ">= 1"), ((True, 4), "a tuple of whole numbers"),
])
def test_shapes_in_the_wrong_form_fail_the_format_check(value, message):
    """Is a shape answer of the wrong kind rejected, with the reason, by the shared format?"""
    with pytest.raises(AnswerError) as caught:
        pub.shape_format(value, "composite_jacobian_shape(2, 3, 4)")
    assert message in str(caught.value)


def test_a_y_of_shape_2_fails_the_format_check():
    """Is forward's y rejected when it holds more than one number?"""
    with pytest.raises(AnswerError, match="should be a single number"):
        pub.forward_format((np.zeros(4), np.zeros(2)), 4, "forward")


# --------------------------------------------------------------------------------------
# The numerator layout
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS[:3])
def test_numerator_layout_is_the_handouts_2_1bc_layout(seed):
    """Is output_grads in numerator layout the handout's dy/dW1 = z (a column) and dy/dz = W1
    (a row), and is it named as such, while the right layout is not?"""
    x, W0, b0, W1, b1 = random_net(seed)
    z, _ = cr.forward(x, W0, b0, W1, b1)
    g = cr.output_grads(x, W0, b0, W1, b1)
    assert np.allclose(q.numerator_layout(g["dW1"]), z[:, None])
    assert np.allclose(q.numerator_layout(g["dz"]), W1)
    for key in ("dW1", "dz", "db0", "dW0"):
        message = q.numerator_layout_mistake(q.numerator_layout(g[key]), g[key])
        assert message and "numerator layout" in message
        assert q.numerator_layout_mistake(g[key], g[key]) is None


# --------------------------------------------------------------------------------------
# The mistake catalogues differ from the right answers
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS)
def test_v_chain_rule_mistakes_differ_from_the_right_answer(seed):
    """Is every catalogued q1a expression mistake a different value from the right one?"""
    p = q.random_edge_partials(seed, 1)[0]
    right = cr.v_chain_rule(p)
    mistakes = q.v_chain_rule_mistakes(p)
    assert set(mistakes) == set(right)
    assert all(mistakes[k] for k in ("dv_dw", "dv_dx", "dv_dy", "dv_dz"))
    for key, catalogue in mistakes.items():
        for description, wrong in catalogue.items():
            assert not np.isclose(wrong, right[key], rtol=1e-3), (key, description)


def test_v_chain_rule_mistakes_reproduce_the_mistakes():
    """Does 'drops the path through b' equal dv/da da/dx alone, as its name says?"""
    p = q.random_edge_partials(0, 1)[0]
    m = q.v_chain_rule_mistakes(p)
    assert m["dv_dx"]["it drops the path through b: x reaches v through both a and b"] == \
        pytest.approx(p["dv_da"] * p["da_dx"])
    assert m["dv_dz"]["it goes through a, but z does not appear in a"] == \
        pytest.approx(p["dv_da"] * p["db_dz"])


@pytest.mark.parametrize("seed", SEEDS)
def test_local_partials_mistakes_differ_from_the_right_answer(seed):
    """Is every catalogued q1b edge-partial mistake a different value from the right one?"""
    point = np.array(q.random_points(seed, 1)[0])
    right = cr.local_partials(*point)
    mistakes = q.local_partials_mistakes(*point)
    assert set(mistakes) == set(right) == set(cr.LOCAL_KEYS)
    for key, catalogue in mistakes.items():
        for description, wrong in catalogue.items():
            assert not np.isclose(wrong, right[key], rtol=1e-3), (key, description)



@pytest.mark.parametrize("n", [3, 6])
def test_composite_derivative_sum_mistakes_differ_from_the_right_answer(n):
    """Is every catalogued q4b mistake a different value from the sum of products (n > 1)?"""
    rng = np.random.default_rng(41)
    df_dy = rng.uniform(0.5, 2.0, size=n) * rng.choice([-1.0, 1.0], size=n)
    dg_dx = rng.uniform(0.5, 2.0, size=n) * rng.choice([-1.0, 1.0], size=n)
    right = cr.composite_derivative_sum(df_dy, dg_dx)
    for description, wrong in q.composite_derivative_sum_mistakes(df_dy, dg_dx).items():
        assert not np.isclose(wrong, right, rtol=1e-3), description




@pytest.mark.parametrize("seed", SEEDS)
def test_v_partials_mistakes_differ_from_the_right_answer(seed):
    """Is every catalogued q1b mistake a different value from the right partial?"""
    for p in (np.array(q.random_points(seed, 1)[0]), np.array(handout.POINT)):
        right = cr.v_partials(*p)
        for key, mistakes in q.v_partials_mistakes(*p).items():
            for description, wrong in mistakes.items():
                assert not np.isclose(wrong, right[key], rtol=1e-3), (key, description)


def test_v_partials_mistakes_reproduce_the_mistakes():
    """Does 'drops the path through b' equal dv/da da/dx alone, as its name says?"""
    p = np.array(q.random_points(0, 1)[0])
    loc = cr.local_partials(*p)
    m = q.v_partials_mistakes(*p)
    drop_b = "it drops the path through b: x reaches v through both a and b"
    assert m["dv_dx"][drop_b] == pytest.approx(loc["dv_da"] * loc["da_dx"])
    drop_a = "it drops the path through a: y reaches v through both a and b"
    assert m["dv_dy"][drop_a] == pytest.approx(loc["dv_db"] * loc["db_dy"])


@pytest.mark.parametrize("seed", SEEDS)
def test_output_grads_mistakes_differ_from_the_right_answer(seed):
    """Is every catalogued q2_1 mistake a different value (or shape) from the right one?"""
    args = random_net(seed, d=3, h=4)
    right = cr.output_grads(*args)
    for key, mistakes in q.output_grads_mistakes(*args).items():
        for description, wrong in mistakes.items():
            wrong = np.asarray(wrong)
            assert wrong.shape != np.shape(right[key]) or not np.allclose(wrong, right[key]), \
                (key, description)


def test_gd_train_variant_without_a_mistake_is_gd_train():
    """With no mistake switched on, does the variant trainer agree with gd_train?"""
    X, y = regression_data(3)
    start = cr.random_params(3, 4, np.random.default_rng(9))
    want = cr.gd_train(start, X, y, lr=0.2, steps=20)
    got = q._gd_train_variant(start, X, y, lr=0.2, steps=20)
    for k in want:
        assert np.allclose(got[k], want[k], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("init", ["constant", "random"])
def test_gd_train_mistakes_differ_from_gd_train(init):
    """Is every catalogued q2_2c mistake a different set of parameters from gd_train's?"""
    X, y = regression_data(4, n=10)
    start = (cr.constant_params(3, 4, 0.3) if init == "constant"
             else cr.random_params(3, 4, np.random.default_rng(6), scale=0.7))
    want = cr.gd_train(start, X, y, lr=0.1, steps=30)
    for description, wrong in q.gd_train_mistakes(start, X, y, lr=0.1, steps=30).items():
        assert set(wrong) == set(want)
        assert any(not np.allclose(wrong[k], want[k], rtol=1e-5) for k in want), description


# --------------------------------------------------------------------------------------
# Partial credit: q2_2 carries q2_1's errors forward
# --------------------------------------------------------------------------------------

def _forward_relu(x, W0, b0, W1, b1):
    """A wrong forward: ReLU for the sigmoid."""
    z = np.maximum(0.0, np.asarray(W0) @ x + b0)
    return z, (np.asarray(W1) @ z + b1).reshape(1)


def _grads_without_dy_dz(x, W0, b0, W1, b1):
    """A wrong output_grads: db0 and dW0 without the factor dy/dz = W1."""
    z, _ = cr.forward(x, W0, b0, W1, b1)
    db0 = z * (1 - z)
    return {**cr.output_grads(x, W0, b0, W1, b1), "db0": db0, "dW0": np.outer(db0, x)}


def test_q2_2a_carries_a_wrong_forward_forward():
    """Does zero_init_values built on a wrong forward pass q2_2a with that forward, and
    fail without it?"""
    def zero_init_values(x, h=4):
        return _forward_relu(x, *q._zeros(x, h))
    q.q2_2a_values(zero_init_values, _forward_relu)
    q.q2_2a_values(cr.zero_init_values, _forward_relu)  # the right one passes too
    with pytest.raises(AnswerError):
        q.q2_2a_values(zero_init_values, cr.forward)


def test_q2_2b_carries_a_wrong_output_grads_forward():
    """Does zero_init_grads built on a wrong output_grads pass q2_2b with it, and fail
    with the reference output_grads?"""
    wrong = _grads_without_dy_dz

    def zero_init_grads(x, h=4):
        return wrong(x, *q._zeros(x, h))
    q.q2_2b_values(zero_init_grads, wrong)
    with pytest.raises(AnswerError, match="dy/dz is missing"):
        q.q2_2b_values(zero_init_grads, cr.output_grads)


def test_q2_2c_carries_wrong_q2_1_functions_forward():
    """Does a gd_train that trains with a wrong forward pass q2_2c's values with that
    forward, and is a gd_train wrong in another way still refused?"""
    def gd_train(p, X, y, lr, steps):
        return cr.gd_train_per_sample(p, X, y, lr, steps, _forward_relu, cr.output_grads)
    q.q2_2c_values(gd_train, _forward_relu, cr.output_grads)
    with pytest.raises(AnswerError):
        q.q2_2c_values(gd_train, cr.forward, cr.output_grads)
    with pytest.raises(AnswerError):
        q.q2_2c_values(lambda p, X, y, lr, steps: gd_train(p, X, y, lr, steps - 1),
                       _forward_relu, cr.output_grads)


# --------------------------------------------------------------------------------------
# q1b_point: every student's own point
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("email", ["handout", "ada@example.edu"])
def test_every_partials_at_point_mistake_is_named(email):
    """At the handout's point and at a student's own, does the right dict pass, and is each
    catalogued wrong partial rejected and named from the catalogue with that value?"""
    point = q.variant_point(pub.VARIANTS.numbers("q1b_point", email))
    right = cr.partials_at_point(*point)
    q.q1b_point_values(right, email)
    for key, catalogue in q.v_partials_mistakes(*point).items():
        for description, wrong in catalogue.items():
            with pytest.raises(AnswerError) as info:
                q.q1b_point_values({**right, key: wrong}, email)
            assert info.value.mistake in catalogue, (key, description)
            assert catalogue[info.value.mistake] == pytest.approx(wrong)


def test_partials_at_point_is_graded_at_the_notebooks_own_point():
    """Without submitters, are the right partials at Ada's point accepted for Ada's email and
    refused for Bob's (whose point differs)?"""
    ada = q.variant_point(pub.VARIANTS.numbers("q1b_point", "ada@example.edu"))
    assert ada != q.variant_point(pub.VARIANTS.numbers("q1b_point", "bob@example.edu"))
    q.q1b_point_values(cr.partials_at_point(*ada), "Ada@example.edu")
    with pytest.raises(AnswerError):
        q.q1b_point_values(cr.partials_at_point(*ada), "bob@example.edu")
