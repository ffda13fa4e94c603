"""The handout's point of chain-rule's hand-computed question (the ``"handout"`` variant,
:data:`autograder.student.chain_rule.VARIANTS`) and the reference's answers there, for the
tests that compare with them. (q1b_point is an addition: the handout evaluates nothing at a
point; this is the point the assignment chose before variants.)"""

import solutions.chain_rule as ref
from autograder.student.chain_rule import INPUTS, VARIANTS

POINT = tuple(float(VARIANTS.handout["q1b_point"][k]) for k in INPUTS)  # (c, w, x, y, z)
PARTIALS_AT_POINT = ref.partials_at_point(*POINT)
