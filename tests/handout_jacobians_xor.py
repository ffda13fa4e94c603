"""The handout's numbers of jacobians-xor's hand-computed questions (the ``"handout"``
variant, :data:`autograder.student.jacobians_xor.VARIANTS`) and the reference's answers
there: what the handout prints, for the tests that compare with it."""

import solutions.jacobians_xor as ref
from autograder.student.jacobians_xor import VARIANTS

N, D, K = (VARIANTS.handout["q2"][s] for s in ("n", "d", "k"))
GRAPH_POINT = tuple(float(VARIANTS.handout["q5"][s]) for s in ("x", "y", "z"))

jacobian_io_shapes = ref.jacobian_io_shapes_for(N, D, K)
jacobian_shapes = ref.jacobian_shapes_for(N, D, K)
#: at [1, 3, 2]: h1 = 0, h2 = e^3 ~ 20.0855, h3 = f = 2 e^3 ~ 40.1711, df/dh1 = 1,
#: df/dh2 = 2, df/dh3 = 1, df/dx = 1, df/dy = 2 e^3 ~ 40.1711, df/dz = e^3 ~ 20.0855
graph_values = ref.graph_forward_backward(*GRAPH_POINT)
#: at [1, 3, 2]: dh1/dx = 1, dh2/dy = e^3, dh3/dh2 = 2, dh3/dz = e^3, df/dh1 = df/dh3 = 1
local_partials = ref.local_partials_at(*GRAPH_POINT)
