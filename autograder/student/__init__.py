"""The public checks: the only grading code students receive (numpy and the standard
library only, no otter, no reference values)."""
