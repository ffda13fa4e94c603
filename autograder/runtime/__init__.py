"""What the autograder zip installs on Gradescope: the entry point, the otter plugin, the
sandboxed kernel and the hidden tests. Imports ``autograder.student``, never
``autograder.instructor``."""
