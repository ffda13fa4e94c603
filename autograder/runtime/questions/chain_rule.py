"""Hidden tests of the ``chain-rule`` assignment, and the catalogues of its plausible mistakes.

One function per hidden test case of ``assignments/chain-rule/chain-rule.ipynb``, named like
it without ``test_``; where cases differ only in an item (q1b's two functions, q2_1b-d's
entries of output_grads, q4's shapes) one function takes the item and each notebook cell
passes its own. Each first applies the answer's format check from
:mod:`autograder.student.chain_rule` (the public checks call the same one, so an answer
accepted here never fails a public check), then compares with :mod:`solutions.chain_rule`
on the question's own inputs through :mod:`autograder.runtime.verdicts`.

The mistake catalogues are data: module-level functions returning
``{description: the value that mistake gives}``, each description written for the student
and free of the expected value.
"""

import functools

import numpy as np

import solutions.chain_rule as ref
from autograder.runtime.variant_grading import check_variant, require_email
from autograder.runtime.verdicts import HAND, IMPLEMENTED, check_carried, check_close, matches
from autograder.student.chain_rule import (
    GRAD_KEYS,
    INPUTS,
    LOCAL_KEYS,
    PARTIAL_KEYS,
    VARIANTS,
    forward_format,
    grad_format,
    params_format,
    partials_format,
    paths_format,
    shape_format,
)
from autograder.student.checks import (
    AnswerError,
    as_float_array,
    call,
    call_all,
    call_each,
    check_keys,
    check_returned,
    check_scalar,
)
from solutions.activations import sigmoid

# Sizes (d, h) of the random networks of q2_1, and of the zero-initialised ones of q2_2a-b.
Q2_1_SIZES = ((3, 3), (2, 4), (1, 5), (4, 2))  # (3, 3) first: a transposed W0 still multiplies
Q2_2_SIZES = ((3, 4), (2, 1), (5, 3))


def random_points(seed: int, count: int = 4) -> list[tuple[float, ...]]:
    """``count`` random points (c, w, x, y, z) in [-2, 2]^5 from ``seed`` (q1b's inputs)."""
    rng = np.random.default_rng(seed)
    return [tuple(float(v) for v in rng.uniform(-2, 2, size=5)) for _ in range(count)]


def random_edge_partials(seed: int, count: int = 4) -> list[dict[str, float]]:
    """``count`` dicts of nine arbitrary edge partials, magnitudes in [0.5, 2] (q1a's inputs)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        values = rng.uniform(0.5, 2.0, size=9) * rng.choice([-1.0, 1.0], size=9)
        out.append({k: float(v) for k, v in zip(LOCAL_KEYS, values, strict=True)})
    return out


# --------------------------------------------------------------------------------------
# Q1
# --------------------------------------------------------------------------------------

def paths_mistake(var: str, got: frozenset) -> str:
    """Why ``got`` is not the set of intermediates ``var``'s derivative flows through."""
    want = ref.paths[var]
    if len(want) == 2:
        return f"{var} reaches v through two intermediates"
    if not want:
        return f"{var} is an input of v itself. Does a or b depend on {var}?"
    if got - want:
        return f"{var} does not appear in {' or '.join(sorted(got - want))}"
    return f"{var} reaches v through an intermediate"


def q1a_values(paths: object) -> None:
    """Does each input's set name exactly the intermediates its derivative flows through?"""
    got = paths_format(paths)
    for var in INPUTS:
        if got[var] != ref.paths[var]:
            mistake = paths_mistake(var, got[var])
            raise AnswerError(f'paths["{var}"] is not correct: {mistake}.', mistake=mistake)


def q1a_chain_rule(v_chain_rule: object) -> None:
    """Does v_chain_rule combine arbitrary partials as the chain rule does?"""
    points = random_edge_partials(1101)
    results = call_each(v_chain_rule, [(dict(p),) for p in points], name="v_chain_rule")
    for p, result in zip(points, results, strict=True):
        name = "v_chain_rule(p), for random values of the partials,"
        got = partials_format(result, PARTIAL_KEYS, "v_chain_rule(p)")
        want, mistakes = ref.v_chain_rule(p), v_chain_rule_mistakes(p)
        for k in PARTIAL_KEYS:
            check_close(got[k], want[k], f"{name}[{k!r}]", **IMPLEMENTED, mistakes=mistakes[k])


def q1b_partials(function: object, part: str) -> None:
    """Does ``function`` (q1b's local_partials or v_partials, named by ``part``) match the
    reference at random points?"""
    keys, seed, reference, catalogue = {  # its keys, the seed of its points, reference, catalogue
        "local_partials": (LOCAL_KEYS, 12, ref.local_partials, local_partials_mistakes),
        "v_partials": (PARTIAL_KEYS, 8, ref.v_partials, v_partials_mistakes),
    }[part]
    points = random_points(seed)
    for point, result in zip(points, call_each(function, points, name=part), strict=True):
        name = f"{part}({', '.join(f'{v:.4g}' for v in point)})"
        got = partials_format(result, keys, name)
        want, mistakes = reference(*point), catalogue(*point)
        for k in keys:
            check_close(got[k], want[k], f"{name}[{k!r}]", **IMPLEMENTED, mistakes=mistakes[k])


def q1b_point_values(partials_at_point: object, student_email: object) -> None:
    """Is partials_at_point right at the submitter's own point (c, w, x, y, z) (their
    variant), to 4 significant figures?"""
    require_email(VARIANTS, student_email)  # before the format: its numbers are nan
    got = partials_format(partials_at_point, PARTIAL_KEYS, "partials_at_point")

    def check(numbers):
        point = variant_point(numbers)
        want, mistakes = ref.partials_at_point(*point), v_partials_mistakes(*point)
        for k in PARTIAL_KEYS:
            check_close(got[k], want[k], f"partials_at_point[{k!r}]", **HAND,
                        mistakes=mistakes[k])
    check_variant(VARIANTS, "q1b_point", student_email, "partials_at_point", check)


def variant_point(numbers: dict) -> tuple[float, ...]:
    """q1b_point's (c, w, x, y, z) from a variant's numbers (a dict keyed by the inputs)."""
    return tuple(float(numbers[k]) for k in INPUTS)


def variant_answers(question: str, numbers: dict) -> dict[str, tuple]:
    """{answer: (its right value, its mistake catalogue)} of a variant question at a
    variant's ``numbers``: what the variants' conditioning test compares (q1b_point, the
    only one: one answer per entry of partials_at_point)."""
    point = variant_point(numbers)
    right, mistakes = ref.partials_at_point(*point), v_partials_mistakes(*point)
    return {f"partials_at_point[{k!r}]": (right[k], mistakes[k]) for k in PARTIAL_KEYS}


def variant_problems(question: str, numbers: dict) -> list[str]:
    """What would make q1b_point's numbers degenerate (the student module's parities rule
    each out; this says so for every variant the tests draw): c = 0 or 1, w + x + y or
    x - y - z = 0, a = b (v = 0), or two of dv/dw, dv/dx, dv/dy, dv/dz equal (with
    k = 4c(a - b), s = w + x + y, t = x - y - z they are k s, k(s - t), k(s + t), k t: a
    tie would hide a derivative written under another's key)."""
    c, w, x, y, z = variant_point(numbers)
    s, t = w + x + y, x - y - z
    problems = [f"c = {c:g} hides the factor c"] if c in (0.0, 1.0) else []
    problems += [f"{name} = 0" for name, value in (("w + x + y", s), ("x - y - z", t))
                 if value == 0]
    if s * s == t * t:
        problems.append("a = b: v and every derivative but dv/dc vanish")
    right = ref.partials_at_point(c, w, x, y, z)
    chained = [f"dv_d{k}" for k in "wxyz"]
    problems += [f"{k1} = {k2}" for i, k1 in enumerate(chained) for k2 in chained[i + 1:]
                 if right[k1] == right[k2]]
    return problems


# --------------------------------------------------------------------------------------
# Q2.1
# --------------------------------------------------------------------------------------

def forward_mistakes(x, W0, b0, W1, b1):
    """q2_1a: {"z": {description: wrong z}, "y": {description: wrong y}} on one network."""
    x, W0, b0, W1 = (np.asarray(t, dtype=np.float64) for t in (x, W0, b0, W1))
    u = W0 @ x + b0
    z = {"the sigmoid is missing: it looks like W0 x + b0": u,
         "the bias b0 is missing": sigmoid(W0 @ x),
         "the sigmoid's exponent has the wrong sign": sigmoid(-u)}
    if W0.shape[0] == W0.shape[1]:  # otherwise W0.T @ x does not even multiply
        z["W0 is used transposed"] = sigmoid(W0.T @ x + b0)
    _, y_ref = ref.forward(x, W0, b0, W1, b1)
    y = {"it applies a sigmoid to the output, but the output unit is linear": sigmoid(y_ref),
         "the bias b1 is missing": y_ref - b1}
    return {"z": z, "y": y}


def _random_networks(seed: int) -> list[tuple[int, int, tuple]]:
    """(d, h, (x, W0, b0, W1, b1)) of a random network of each size of Q2_1_SIZES."""
    rng = np.random.default_rng(seed)
    cases = []
    for d, h in Q2_1_SIZES:
        x, p = rng.normal(size=d), ref.random_params(d, h, rng)
        cases.append((d, h, (x, p["W0"], p["b0"], p["W1"], p["b1"])))
    return cases


def q2_1a_values(forward: object) -> None:
    """Does forward match the reference on random networks of several sizes?"""
    cases = _random_networks(2101)
    results = call_each(forward, [args for _, _, args in cases], name="forward")
    for (d, h, args), result in zip(cases, results, strict=True):
        where = f" for d = {d}, h = {h}"
        z, y = forward_format(result, h, "forward", where)
        z_ref, y_ref = ref.forward(*args)
        mistakes = forward_mistakes(*args)
        check_close(z, z_ref, "z" + where, **IMPLEMENTED, mistakes=mistakes["z"])
        check_close(y, y_ref, "y" + where, **IMPLEMENTED, mistakes=mistakes["y"])


def check_grad(value: object, key: str, d: int, h: int, want: np.ndarray, name: str,
               mistakes: dict) -> None:
    """Check one derivative of output_grads / zero_init_grads against ``want``.

    The format check comes first; when it rejects the shape, the message says which layout
    the answer is in if it is the right derivative in another one (the handout's numerator
    layout, a transpose).
    """
    try:
        value = grad_format(value, key, d, h, name)
    except AnswerError:
        arr = as_float_array(value, name)
        layout = numerator_layout_mistake(arr, want)
        if layout:
            raise AnswerError(f"{name} looks transposed: {layout}.", mistake=layout) from None
        check_close(arr, want, name, **IMPLEMENTED)  # names a transpose or a wrong layout
        raise
    check_close(value, want, name, **IMPLEMENTED, mistakes=mistakes)


def output_grads_values(output_grads: object, keys: tuple[str, ...], seed: int) -> None:
    """q2_1b, q2_1c, q2_1d: are output_grads' entries ``keys`` right on random networks of
    several sizes (drawn from ``seed``)?"""
    cases = _random_networks(seed)
    results = call_each(output_grads, [args for _, _, args in cases], name="output_grads")
    for (d, h, args), result in zip(cases, results, strict=True):
        got = check_keys(check_returned(result, "output_grads(...)"), keys,
                         "output_grads(...)")
        want, mistakes = ref.output_grads(*args), output_grads_mistakes(*args)
        for k in keys:
            check_grad(got[k], k, d, h, want[k], f'output_grads(...)["{k}"] for d = {d}, h = {h}',
                       mistakes[k])


# --------------------------------------------------------------------------------------
# Q2.2
# --------------------------------------------------------------------------------------

def zero_init_values_mistakes(x, h):
    """q2_2a: {"z": {description: wrong z}, "y": {description: wrong y}} at all-zero parameters."""
    return {"z": {"it looks like sigma(0) was taken as 0": np.zeros(h),
                  "it looks like sigma(0) was taken as 1": np.ones(h)},
            "y": {"it looks like the sum of z, but W1 is zero too": np.array([h / 2])}}


def _own_each(function, name, args_list):
    """What the student's own earlier function gives on each argument tuple of
    ``args_list`` (None where it fails): the values a later part carries forward. In
    batches, lazily."""
    for outcome in call_all(function, args_list, name=name):
        yield None if isinstance(outcome, AnswerError) else outcome


def _zeros(x, h):
    """The all-zero parameters (W0, b0, W1, b1) for an input x of shape (d,)."""
    p = ref.constant_params(len(x), h, 0.0)
    return p["W0"], p["b0"], p["W1"], p["b1"]


def q2_2a_values(zero_init_values: object, forward: object) -> None:
    """Are z and y right for all-zero parameters, for random x and several h? What the
    student's own forward (q2_1a) gives there passes too (error carried forward)."""
    rng = np.random.default_rng(2201)
    cases = [(d, h, rng.normal(scale=3, size=d)) for d, h in Q2_2_SIZES]
    results = call_each(zero_init_values, [(x, h) for _, h, x in cases],
                        name="zero_init_values")
    owns = _own_each(forward, "forward", [(x, *_zeros(x, h)) for _, h, x in cases])
    forward_graded_right = functools.cache(lambda: _helpers_graded_right(forward, None))
    for (d, h, x), result, own in zip(cases, results, owns, strict=True):
        where = f" for d = {d}, h = {h}"
        z, y = forward_format(result, h, "zero_init_values", where)
        z_ref, y_ref = ref.zero_init_values(x, h)
        mistakes = zero_init_values_mistakes(x, h)
        try:
            own = forward_format(own, h, "forward")
        except Exception:  # an unusable forward carries nothing forward
            own = (None, None)
        if not (matches(z, z_ref, IMPLEMENTED) and matches(y, y_ref, IMPLEMENTED)) and \
                forward_graded_right():
            own = (None, None)  # q2_1a cost forward nothing: no error to carry forward
        check_carried(z, z_ref, own[0], "z" + where, IMPLEMENTED, mistakes["z"])
        check_carried(y, y_ref, own[1], "y" + where, IMPLEMENTED, mistakes["y"])


def zero_init_grads_mistakes(x, h):
    """q2_2b: per key of output_grads, {description: the value that mistake gives} at
    all-zero parameters (where W1 = 0 hides most of q2_1's mistakes)."""
    no_w1 = "the factor dy/dz is missing"
    return {
        "dW1": {"it looks computed with z = 0": np.zeros((1, h))},
        "db1": {},
        "dz": {"it includes sigma' = z(1 - z), but y is linear in z": np.full(h, 0.25),
               "it looks like z: that is dy/dW1, not dy/dz": np.full(h, 0.5)},
        "db0": {no_w1: np.full(h, 0.25)},
        "dW0": {no_w1: np.outer(np.full(h, 0.25), x)},
    }


def q2_2b_values(zero_init_grads: object, output_grads: object) -> None:
    """Are the derivatives right at all-zero parameters, for random x and several h? What
    the student's own output_grads (q2_1b-d) gives there passes too (error carried
    forward), each derivative on its own."""
    rng = np.random.default_rng(2202)
    cases = [(d, h, rng.normal(scale=3, size=d)) for d, h in Q2_2_SIZES]
    results = call_each(zero_init_grads, [(x, h) for _, h, x in cases], name="zero_init_grads")
    owns = _own_each(output_grads, "output_grads", [(x, *_zeros(x, h)) for _, h, x in cases])
    grads_graded_right = functools.cache(lambda: _helpers_graded_right(None, output_grads))
    for (d, h, x), result, own in zip(cases, results, owns, strict=True):
        got = check_keys(check_returned(result, "zero_init_grads(...)"), GRAD_KEYS,
                         "zero_init_grads(...)")
        want, mistakes = ref.zero_init_grads(x, h), zero_init_grads_mistakes(x, h)
        for k in ("dW1", "db1", "dz", "db0", "dW0"):
            try:
                check_grad(got[k], k, d, h, want[k],
                           f'zero_init_grads(...)["{k}"] for d = {d}, h = {h}', mistakes[k])
            except AnswerError:
                if not (isinstance(own, dict) and _same_grad(got[k], own.get(k), k, d, h)) \
                        or grads_graded_right():  # q2_1 cost it nothing: nothing to carry
                    raise


def _same_grad(value, carried, key, d, h) -> bool:
    """Whether ``value`` and ``carried`` are the same well-shaped derivative ``key``."""
    try:
        value, carried = (grad_format(v, key, d, h, key) for v in (value, carried))
    except AnswerError:
        return False
    return matches(value, carried, IMPLEMENTED)


def q2_2c_values(gd_train: object, forward: object, output_grads: object) -> None:
    """Does gd_train match the reference from a constant and from a random start? A
    training that uses the student's own (wrong) forward and output_grads passes too
    (errors carried forward from q2_1); it is only worked out when needed."""
    X, y, cases = _q2_2c_cases()
    for what, start, lr, steps, want, mistakes in cases:
        fresh = {k: np.copy(v) if k != "b1" else float(v) for k, v in start.items()}
        got = params_format(call(gd_train, fresh, X.copy(), y.copy(), lr, steps,
                                 name="gd_train"), 3, 4, "gd_train(...)")
        try:
            for k in ("W1", "b1", "W0", "b0"):
                check_close(got[k], want[k],
                            f'gd_train(...)["{k}"] from {what} after {steps} steps of size {lr}',
                            **IMPLEMENTED,
                            mistakes={d: wrong[k] for d, wrong in mistakes.items()})
        except AnswerError:
            if _helpers_graded_right(forward, output_grads):
                raise  # q2_1 cost them nothing: there is no error to carry forward
            carried = _own_training(start, X, y, lr, steps, forward, output_grads)
            if carried is None or not all(matches(got[k], carried[k], IMPLEMENTED)
                                          for k in ("W1", "b1", "W0", "b0")):
                raise


def _helpers_graded_right(forward, output_grads) -> bool:
    """Whether the student's forward and output_grads (None: not checked) are right on
    random networks of the sizes q2_1 grades them at: then q2_1 cost them nothing, and
    there is no error to carry forward (helpers wrong only where q2_1 does not look, at
    the training's size or at all-zero weights, would otherwise carry any answer)."""
    return _right_on(forward, output_grads, [args for _, _, args in _random_networks(2206)])


def _right_on(forward, output_grads, calls) -> bool:
    """Whether forward and output_grads (None: not checked) give the reference's values on
    every argument tuple (x, W0, b0, W1, b1) of ``calls``."""
    wants = [(len(args[2]), ref.forward(*args), ref.output_grads(*args)) for args in calls]
    try:
        if forward is not None:
            for got, (h, (want_z, want_y), _) in zip(call_each(forward, calls, name="forward"),
                                                     wants, strict=True):
                z, y_hat = forward_format(got, h, "forward")
                if not (matches(z, want_z, IMPLEMENTED) and matches(y_hat, want_y, IMPLEMENTED)):
                    return False
        if output_grads is not None:
            for got, (_, _, want) in zip(call_each(output_grads, calls, name="output_grads"),
                                         wants, strict=True):
                grads = check_returned(got, "output_grads")
                if not all(matches(grads[k], want[k], IMPLEMENTED) for k in want):
                    return False
    except Exception:  # noqa: BLE001 - failing helpers are not right
        return False
    return True


@functools.cache
def _q2_2c_cases():
    """q2_2c's data, and per case (what, start, lr, steps, the reference's result, the
    mistakes'), worked out once per process: the same for every submission (grading a
    batch in one process, the fast lane would train the reference ten times per fixture)."""
    rng = np.random.default_rng(2203)
    X = rng.normal(size=(10, 3))
    y = np.sin(X[:, 0]) + X[:, 1] ** 2 - 0.5 * X[:, 2]
    cases = [("the constant start 0.3", ref.constant_params(3, 4, 0.3), 0.1, 30),
             ("a random start", ref.random_params(3, 4, rng, scale=0.7), 0.1, 40)]
    return X, y, [(what, start, lr, steps, ref.gd_train(start, X, y, lr, steps),
                   gd_train_mistakes(start, X, y, lr, steps))
                  for what, start, lr, steps in cases]


def _own_training(start, X, y, lr, steps, forward, output_grads):
    """The training the student's own forward and output_grads lead to (None when they
    fail somewhere)."""
    def own_forward(*args):
        return forward_format(call(forward, *args, name="forward"), len(args[2]), "forward")

    def own_grads(*args):
        return check_returned(call(output_grads, *args, name="output_grads"), "output_grads")
    try:
        return ref.gd_train_per_sample(start, X, y, lr, steps, own_forward, own_grads)
    except Exception:  # the student's functions fail somewhere: nothing to carry
        return None


def q2_2c_symmetry(gd_train: object) -> None:
    """From constant starts do all hidden units stay identical, and from a random one differ?"""
    rng = np.random.default_rng(2204)
    X = rng.normal(size=(12, 3))
    y = np.sin(X[:, 0]) + X[:, 1] ** 2 - 0.5 * X[:, 2]
    d, h, lr, steps = 3, 5, 0.5, 25  # enough for any unit-specific update to show

    def train(start, what):
        got = call(gd_train, start, X.copy(), y.copy(), lr, steps, name="gd_train")
        trained = params_format(got, d, h, f"gd_train(...) from {what}")
        return trained["W0"], trained["b0"], trained["W1"]

    for value in (0.0, 0.5, -0.4):
        start = ref.constant_params(d, h, value)
        what = f"the constant start {value}"
        W0, b0, W1 = train(start, what)
        if np.max(np.abs(W0 - start["W0"])) < 1e-6:
            raise AnswerError(f"From {what}, W0 did not change in {steps} steps of size {lr}: "
                              "gd_train should update every parameter.")
        scale = max(1.0, float(np.max(np.abs(W0))))
        for part, arr in (("rows of W0", W0), ("entries of b0", b0), ("entries of W1", W1[0])):
            if np.max(np.abs(arr - arr[:1])) > 1e-8 * scale:
                raise AnswerError(f"From {what}, the {part} are no longer all equal after "
                                  "training. Hidden units that start equal get equal "
                                  "gradients: look for an update that treats one hidden unit "
                                  "differently from the others.")
    W0, _, _ = train(ref.random_params(d, h, rng), "a random start")
    closest = min(np.linalg.norm(W0[i] - W0[j]) for i in range(h) for j in range(i))
    if closest < 1e-3:
        raise AnswerError("From a random start, two rows of W0 are equal after training: hidden "
                          "units that start different should get different gradients.")


# --------------------------------------------------------------------------------------
# Q4
# --------------------------------------------------------------------------------------

def composite_jacobian_shape_mistakes(m, n, l):
    """q4a: {description: the shape that mistake gives} for f: R^n -> R^m, g: R^l -> R^n."""
    return {"it looks like the shape of df/dy alone": (m, n),
            "it looks like the shape of dg/dx alone": (n, l),
            "rows and columns are swapped": (l, m),
            "the inner size n is summed over by the matrix product": (m, n, l)}


def matrix_input_jacobian_shape_mistakes(n, p, q):
    """q4c: {description: the shape that mistake gives} for dg/dW, g: R^(p x q) -> R^n."""
    return {"that is the flattened Jacobian; dg/dW keeps both axes of W": (n, p * q),
            "the output's axis comes last": (p, q, n),
            "the two axes of W are swapped": (n, q, p),
            "that is the shape of W alone":
                (p, q)}


def flattened_jacobian_shape_mistakes(n, p, q):
    """q4c: {description: the shape that mistake gives} for dg/dvec(W)."""
    return {"rows and columns are swapped": (p * q, n),
            "it is not flattened": (n, p, q),
            "it counts p + q entries for vec(W)": (n, p + q)}


# q4's shape questions: the sizes each is asked at, its reference and its catalogue
SHAPE_QUESTIONS = {
    "composite_jacobian_shape": (((2, 3, 4), (5, 1, 3), (1, 4, 2), (3, 2, 6)),
                                 ref.composite_jacobian_shape, composite_jacobian_shape_mistakes),
    "matrix_input_jacobian_shape": (((2, 3, 4), (4, 2, 5), (1, 3, 2)),
                                    ref.matrix_input_jacobian_shape,
                                    matrix_input_jacobian_shape_mistakes),
    "flattened_jacobian_shape": (((2, 3, 4), (4, 2, 5), (1, 3, 2)),
                                 ref.flattened_jacobian_shape, flattened_jacobian_shape_mistakes),
}


def jacobian_shape_values(function: object, fname: str) -> None:
    """q4a, q4c: is the shape ``function`` (named ``fname``) returns right for several sizes?"""
    sizes, reference, catalogue = SHAPE_QUESTIONS[fname]
    for args, result in zip(sizes, call_each(function, sizes, name=fname), strict=True):
        name = f"{fname}{args}"
        got = shape_format(result, name)
        if got == tuple(reference(*args)):
            continue
        mistake = next((d for d, wrong in catalogue(*args).items() if tuple(wrong) == got), None)
        raise AnswerError(f"{name} is not the right shape" + (f": {mistake}." if mistake else "."),
                          mistake=mistake)


def q4b_values(composite_derivative_sum: object) -> None:
    """Is d(f o g)/dx right for arbitrary partials, for several n?"""
    rng = np.random.default_rng(41)
    cases = []
    for n in (1, 3, 6):
        df_dy = rng.uniform(0.5, 2.0, size=n) * rng.choice([-1.0, 1.0], size=n)
        dg_dx = rng.uniform(0.5, 2.0, size=n) * rng.choice([-1.0, 1.0], size=n)
        cases.append((n, df_dy, dg_dx))
    results = call_each(composite_derivative_sum, [(df_dy.copy(), dg_dx.copy())
                                                   for _, df_dy, dg_dx in cases],
                        name="composite_derivative_sum")
    for (n, df_dy, dg_dx), result in zip(cases, results, strict=True):
        name = f"composite_derivative_sum(df_dy, dg_dx) for n = {n}"
        got = check_scalar(result, name)
        check_close(got, ref.composite_derivative_sum(df_dy, dg_dx), name, **IMPLEMENTED, n=n,
                    mistakes=composite_derivative_sum_mistakes(df_dy, dg_dx))


# --------------------------------------------------------------------------------------
# Layouts, and the catalogues of wrong values
# --------------------------------------------------------------------------------------

def numerator_layout(grad):
    """The derivative ``grad`` (shaped like its variable) rewritten in numerator layout.

    Numerator layout gives d(scalar)/d(column vector, n) as a row (1, n) and
    d(scalar)/d(matrix, p x q) as a (q, p) matrix: the transpose of "shaped like the
    variable". So (1, h) -> (h, 1) (the handout's dy/dW1 = z), (h,) -> (1, h) (its
    dy/dz = W1, and its literal dy/db0 = W1 o z o (1 - z)), (h, d) -> (d, h); a scalar stays.
    """
    g = np.asarray(grad, dtype=np.float64)
    if g.ndim == 2:
        return g.T.copy()
    if g.ndim == 1:
        return g[None, :].copy()
    return g


def numerator_layout_mistake(value, expected):
    """A description if ``value`` is the derivative ``expected`` written in numerator layout.

    Inputs: value, the student's answer as a float array; expected, the derivative shaped
    like its variable. Returns a description for the student (no expected value), or None.
    """
    arr, exp = np.asarray(value, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    num = numerator_layout(exp)
    if arr.shape != exp.shape and arr.shape == num.shape \
            and np.allclose(arr, num, rtol=1e-6, atol=1e-9):
        return (f"it is in numerator layout, shape {arr.shape}, as the handout writes it; this "
                "notebook asks for every derivative shaped like its variable")
    return None




def v_partials_mistakes(c, w, x, y, z):
    """q1b: per key of ``ref.v_partials``, {description: the value that mistake gives}, in the
    order they are tried.

    With k = 4c(a-b), s = w+x+y, t = x-y-z the right answers are k s, k(s - t), k(s + t),
    k t; the mistakes drop one of the two paths through x or y, flip the sign of the b
    path, or lose a factor 2 of the chain 2c(a-b) * 2(...).
    """
    a, b = ref.intermediates(w, x, y, z)
    s, t = w + x + y, x - y - z
    k = 4 * c * (a - b)
    right = ref.v_partials(c, w, x, y, z)
    half = "one factor 2 is missing"
    quarter = "both factors 2 are missing"
    out = {"dv_dc": {"it looks like v itself": c * (a - b) ** 2,
                     "it looks like dv/da, not dv/dc": 2 * c * (a - b)},
           "dv_dw": {},
           "dv_dz": {"a minus sign is lost":
                     -k * t}}
    for var in ("x", "y"):  # the named path mistakes first: they win a tie (handout's point)
        key = "dv_d" + var
        out[key] = {
            f"it drops the path through b: {var} reaches v through both a and b": k * s,
            f"it drops the path through a: {var} reaches v through both a and b":
                right[key] - k * s,
            "the path through b has the wrong sign":
                2 * k * s - right[key],
        }
    for key in ("dv_dw", "dv_dx", "dv_dy", "dv_dz"):
        out[key].update({half: right[key] / 2, quarter: right[key] / 4})
    return out


def v_chain_rule_mistakes(p):
    """q1a: per key of ``ref.v_chain_rule``, {description: the value that mistake gives} for
    the partials ``p`` (a dict keyed by :data:`LOCAL_KEYS`).

    A path dropped or taken through the wrong intermediate, the partials along a path
    added instead of multiplied, the two paths multiplied instead of added, the b path
    subtracted.
    """
    right = ref.v_chain_rule(p)
    via_a = {v: p["dv_da"] * p["da_d" + v] for v in "wxy"}
    via_b = {v: p["dv_db"] * p["db_d" + v] for v in "xyz"}
    added = "the partials along one path are added"
    out = {
        "dv_dc": {"it goes through a":
                  p["dv_da"] * p["dv_dc"],
                  "it looks like dv/da, not dv/dc": p["dv_da"]},
        "dv_dw": {"it goes through b, but w does not appear in b": p["dv_db"] * p["da_dw"],
                  added: p["dv_da"] + p["da_dw"]},
        "dv_dz": {"it goes through a, but z does not appear in a": p["dv_da"] * p["db_dz"],
                  added: p["dv_db"] + p["db_dz"]},
    }
    for v in "xy":
        out["dv_d" + v] = {
            f"it drops the path through b: {v} reaches v through both a and b": via_a[v],
            f"it drops the path through a: {v} reaches v through both a and b": via_b[v],
            "the path through b is subtracted": via_a[v] - via_b[v],
            "the two paths are multiplied":
                via_a[v] * via_b[v],
            added: p["dv_da"] + p["da_d" + v] + p["dv_db"] + p["db_d" + v],
        }
    for key in out:
        out[key] = {d: w for d, w in out[key].items() if not np.isclose(w, right[key])}
    return out


def local_partials_mistakes(c, w, x, y, z):
    """q1b: per key of ``ref.local_partials``, {description: the value that mistake gives}.

    The generic diagnosis of the grading core already names a wrong sign and a missing
    factor 2; these are the mistakes it cannot name.
    """
    a, b = ref.intermediates(w, x, y, z)
    s, t = w + x + y, x - y - z
    return {
        "dv_da": {"it looks like dv/dc = (a - b)^2, not dv/da": (a - b) ** 2},
        "dv_db": {"it looks like dv/dc = (a - b)^2, not dv/db": (a - b) ** 2},
        "dv_dc": {"it looks like v itself": c * (a - b) ** 2,
                  "it looks like dv/da, not dv/dc": 2 * c * (a - b)},
        "da_dw": {"it looks like a itself, not its derivative": s ** 2},
        "da_dx": {"it looks like a itself, not its derivative": s ** 2},
        "da_dy": {"it looks like a itself, not its derivative": s ** 2},
        "db_dx": {"it looks like b itself, not its derivative": t ** 2},
        "db_dy": {"it looks like b itself, not its derivative": t ** 2},
        "db_dz": {"it looks like b itself, not its derivative": t ** 2},
    }


def composite_derivative_sum_mistakes(df_dy, dg_dx):
    """q4b: {description: the value that mistake gives} for the sum of products."""
    df_dy, dg_dx = np.asarray(df_dy, dtype=np.float64), np.asarray(dg_dx, dtype=np.float64)
    return {
        "it multiplies the two sums, which adds the cross terms df/dy_i dg_j/dx with j != i: "
        "the chain rule has one product per path x -> y_i -> f":
            float(df_dy.sum() * dg_dx.sum()),
        "it adds the partials along the path x -> y_i -> f":
            float(np.sum(df_dy + dg_dx)),
    }


def output_grads_mistakes(x, W0, b0, W1, b1):
    """q2_1b-d: per key of ``ref.output_grads``, {description: the value that mistake gives}.

    Covers z where z(1 - z) belongs, a missing sigma', sigma' applied to z a second time
    (sigma(z)(1 - sigma(z))), a missing factor W1 and, for dz, sigma' included where y is
    linear in z. A transposed dW0 is caught by the shape check itself.
    """
    x, W0, b0, W1 = (np.asarray(t, dtype=np.float64) for t in (x, W0, b0, W1))
    z, _ = ref.forward(x, W0, b0, W1, b1)
    w1 = W1[0]
    s = z * (1 - z)
    s_twice = sigmoid(z) * (1 - sigmoid(z))
    db0 = {
        "it takes the sigmoid's derivative to be z": w1 * z,
        "the sigmoid's derivative is missing": w1,
        "it applies sigma' to z, but z is already sigma(W0 x + b0)":
            w1 * s_twice,
        "the factor dy/dz is missing": s,
    }
    return {
        "dW1": {"it looks like dy/dz, not dy/dW1": W1,
                "it includes sigma', but y = W1 z + b1 is linear in W1": (w1 * s)[None, :]},
        "db1": {"it looks like b1 itself": b1},
        "dz": {"it includes sigma' = z(1 - z), but y = W1 z + b1 is linear in z": w1 * s,
               "it looks like z: that is dy/dW1, not dy/dz": z},
        "dW0": {d: np.outer(v, x) for d, v in db0.items()},
        "db0": db0,
    }


def _gd_train_variant(params, X, y, lr, steps, *, hidden_slope="z(1-z)", train_hidden=True,
                      output_first=False):
    """``ref.gd_train`` with one mistake switched on (the defaults give gd_train itself).

    - hidden_slope="z": z where sigma' = z(1 - z) belongs in dL/dW0 and dL/db0
    - train_hidden=False: W0 and b0 are never updated
    - output_first=True: W1 and b1 are updated before the gradients of W0 and b0 are taken
    """
    p = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    p["b1"] = float(p["b1"])
    X = np.asarray(X, dtype=np.float64)
    for _ in range(steps):
        Z, yhat = ref.predict(p, X)
        r = (yhat - np.asarray(y, dtype=np.float64)) / X.shape[0]
        W1_before = p["W1"]
        p["W1"] = p["W1"] - lr * (r @ Z)[None, :]
        p["b1"] = p["b1"] - lr * float(r.sum())
        if not train_hidden:
            continue
        W1 = p["W1"] if output_first else W1_before
        slope = Z if hidden_slope == "z" else Z * (1 - Z)
        dA = np.outer(r, W1[0]) * slope
        p["W0"] = p["W0"] - lr * dA.T @ X
        p["b0"] = p["b0"] - lr * dA.sum(axis=0)
    return p


def gd_train_mistakes(params, X, y, lr, steps):
    """q2_2c: {description: the params a plausible wrong gd_train returns}, same keys and shapes.

    Wrong scale of the gradient (sum instead of mean, the 1/2 not cancelling the 2), the
    wrong direction, one step too few or too many, the hidden layer never trained, z in
    place of z(1 - z), W1 updated before the hidden layer's gradient, nothing updated.
    """
    N = len(X)
    out = {
        f"the gradient looks {N} times too large: the loss looks summed over the N = {N} "
        "samples": ref.gd_train(params, X, y, lr * N, steps),
        "the gradient looks twice too large: is the 1/2 of the loss left out?":
            ref.gd_train(params, X, y, 2 * lr, steps),
        "the gradient looks half as large as it should be":
            ref.gd_train(params, X, y, lr / 2, steps),
        "it steps uphill: it looks like p + lr dL/dp":
            ref.gd_train(params, X, y, -lr, steps),
        "it does one step too many": ref.gd_train(params, X, y, lr, steps + 1),
        "only W1 and b1 change: W0 and b0 are never updated":
            _gd_train_variant(params, X, y, lr, steps, train_hidden=False),
        "it takes the sigmoid's derivative to be z in the gradients of W0 and b0":
            _gd_train_variant(params, X, y, lr, steps, hidden_slope="z"),
        "W1 is updated before the gradients of W0 and b0 are computed":
            _gd_train_variant(params, X, y, lr, steps, output_first=True),
        "the parameters come back unchanged": ref.gd_train(params, X, y, lr, 0),
    }
    if steps >= 1:
        out["it does one step too few"] = ref.gd_train(params, X, y, lr, steps - 1)
    return out
