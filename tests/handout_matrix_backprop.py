"""The handout's numbers of matrix-backprop's hand-computed questions (the ``"handout"``
variant, :data:`autograder.student.matrix_backprop.VARIANTS`) and the reference's answers
there: what the handouts print, for the tests that compare with them."""

import numpy as np

import solutions.matrix_backprop as ref
from autograder.student.matrix_backprop import Q1C_LR, VARIANTS

Q1C_W, Q1C_X, Q1C_Y, Q1C_Y_2019 = (np.array(VARIANTS.handout["q1c"][k], dtype=float)
                                   for k in ("W", "X", "Y", "Y_2019"))
Q3_W, Q3_X = np.array(VARIANTS.handout["q3"]["w"]), VARIANTS.handout["q3"]["x"]
Q3_Y_CLASSIFICATION = VARIANTS.handout["q3"]["y_classification"]
Q3_Y_REGRESSION = VARIANTS.handout["q3"]["y_regression"]

W_updated = ref.gd_step(Q1C_W, Q1C_X, Q1C_Y, Q1C_LR)
W_updated_2019 = ref.gd_step(Q1C_W, Q1C_X, Q1C_Y_2019, Q1C_LR)
grads_classification = ref.classification_grads(Q3_W, Q3_X, Q3_Y_CLASSIFICATION)
grads_regression = ref.regression_grads(Q3_W, Q3_X, Q3_Y_REGRESSION)
