"""The hidden tests, one module per assignment (``matrix_backprop`` for
``assignments/matrix-backprop/``), one function per hidden test case, named like the
notebook's test without ``test_``. Each runs the same format check as the public test
(:mod:`autograder.student`) and then compares with the reference (:mod:`solutions`) on the
question's own inputs, naming plausible mistakes from the module's catalogue. Each zip
ships only its own assignment's module."""
