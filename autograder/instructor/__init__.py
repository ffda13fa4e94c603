"""The course staff's tools: build the zips, grade a folder, report, benchmark, scaffold.
Never shipped to students or installed in the grading image."""
