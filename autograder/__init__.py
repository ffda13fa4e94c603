"""Grading code for the backpropagation homework, split by where it runs.

- ``autograder.student``: the public checks students receive with their notebook.
- ``autograder.runtime``: what the Gradescope zip installs to grade a submission.
- ``autograder.instructor``: the course staff's tools (build, grade a folder, report,
  benchmark); never shipped.

Imports flow one way: instructor -> runtime -> student. Nothing here imports the
reference solutions except the hidden tests in ``autograder.runtime``.
"""
