"""The widths of mlp-backprop's hand-worked shapes in the ``"handout"`` variant
(:data:`autograder.student.mlp_backprop.VARIANTS`: the handout writes its shapes in letters
only, so these are the widths the notebook has always given) and the reference's answers
there, for the tests that compare with them."""

import solutions.mlp_backprop as ref
from autograder.student.mlp_backprop import VARIANTS

D, H, K = (VARIANTS.handout["widths"][key] for key in ("d", "h", "k"))

layer_table = ref.layer_table_dict(D, H, K)
jacobian_shapes = ref.jacobian_shapes(D, K, H)
