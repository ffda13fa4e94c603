"""Reference solutions: the one source of truth for every graded value.

One module per assignment (``matrix_backprop``, ``mlp_backprop``, ``chain_rule``,
``jacobians_xor``), one function per graded part, each docstring stating every shape.
Hidden tests call these functions on the question's own inputs; the package's tests
check them against central differences (:mod:`solutions.gradcheck`) and against the
handouts' correct numbers.
"""
