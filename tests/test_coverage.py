"""Does every assignment say, item by item, how it covers its handouts, and is the README current?

An assignment's ``coverage.yaml`` maps each handout item to notebook questions; points,
written/auto and credit come from the notebook (see :mod:`autograder.instructor.coverage`).
"""

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell

from autograder.instructor import build, coverage

ASSIGNMENTS = build.assignment_names()
SEEDS = build.ROOT.parent / "shared" / "seeds"

# Assignments whose coverage.yaml is still being written (issue 12, in parallel branches).
# Remove a name when its coverage.yaml lands: from then on its absence fails.
PENDING: set = set()


def _with_coverage(name):
    if coverage.coverage_path(name).exists():
        return name
    if name in PENDING:
        pytest.skip(f"{name}: coverage.yaml not written yet (listed in PENDING)")
    pytest.fail(f"{name} has no assignments/{name}/coverage.yaml (and is not in PENDING)")


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_every_notebook_question_is_covered_and_every_named_question_exists(name):
    """Is each notebook question in some item, and each question an item names in the notebook?"""
    name = _with_coverage(name)
    assert coverage.problems(name) == []


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_handouts_named_in_coverage_exist(name):
    """Is every handout a coverage.yaml names a seed file under ../shared/seeds?"""
    name = _with_coverage(name)
    if not SEEDS.is_dir():
        pytest.skip(f"no seeds folder at {SEEDS}")
    for handout in coverage.load_coverage(coverage.coverage_path(name))["handouts"]:
        assert (SEEDS / handout).is_file(), handout


def test_pending_assignments_exist():
    """Does PENDING name only real assignments (no stale entry hides a missing table)?"""
    assert PENDING <= set(ASSIGNMENTS)


def test_readme_coverage_section_is_up_to_date():
    """Is the README's "Coverage of the handouts" what the coverage files and notebooks give?"""
    text = coverage.README.read_text()
    assert text == coverage.update_readme_text(text), (
        f"README.md's coverage section is out of date: run `{coverage.COMMAND}`")


# ----------------------------------------------------------------------------- the renderer

@pytest.fixture
def toy(tmp_path, monkeypatch, background_finished):
    """toy(configs, items): a tiny assignment 'toy' with the given question configs and
    coverage items, in place of the real assignments (for the test's length: the
    background work, which reads the real ones' points, is done first)."""
    monkeypatch.setattr(coverage, "ASSIGNMENTS", tmp_path)
    return lambda configs, items: _notebook(tmp_path, configs, items)


def _notebook(tmp_path, configs, items):
    (tmp_path / "toy").mkdir()
    cells = []
    for config in configs:
        cells += [new_raw_cell("# BEGIN QUESTION\n" + config), new_markdown_cell("prompt"),
                  new_code_cell("x = 1"), new_raw_cell("# END QUESTION")]
    nbformat.write(new_notebook(cells=cells), tmp_path / "toy" / "toy.ipynb")
    import yaml
    (tmp_path / "toy" / "coverage.yaml").write_text(
        yaml.safe_dump({"handouts": ["004_x.txt"], "items": items}))


def test_table_reads_points_written_and_credit_from_the_notebook(tmp_path, toy):
    """Do points, written/auto and optional/extra credit come from the notebook's configs?"""
    toy(
        ["name: q1\npoints: 3", "name: q2\nmanual: true\npoints: 2",
         "name: q3\npoints: 1\ncredit: optional", "name: q4\npoints: 2\ncredit: extra"],
        [{"item": "1", "summary": "a", "questions": ["q1", "q2"]},
         {"item": "2 (Optional)", "summary": "b", "questions": ["q3"]},
         {"item": "2.7", "summary": "c", "questions": ["q4"]},
         {"item": "5.2", "summary": "d", "questions": [], "reason": "a drawing"}])
    assert coverage.problems("toy") == []
    table = coverage.render_table("toy")
    assert "| 1 | a | `q1`, `q2` | auto, written | 3, 2 | required |" in table
    assert "| 2 (Optional) | b | `q3` | auto | 1 | optional |" in table
    assert "| 2.7 | c | `q4` | auto | 2 | extra credit |" in table
    assert "| 5.2 | d |  | not graded (a drawing) |  |  |" in table
    assert "Maximum: 5 points (3 auto-graded, 2 written)" in table
    assert "optional items: 1 points, not counted" in table
    assert "extra credit: 2 points on top" in table
    assert "Written, graded by hand: `q2` (2)." in table  # the README's written points


def test_problems_name_missing_unknown_and_unexplained(tmp_path, toy):
    """Are an uncovered question, an unknown question and an item without reason reported?"""
    toy(["name: q1\npoints: 1", "name: q2\npoints: 1"],
        [{"item": "1", "summary": "a", "questions": ["q1", "q9"]},
         {"item": "2", "summary": "b", "questions": []}])
    found = "\n".join(coverage.problems("toy"))
    assert "'q9', which is not a question" in found
    assert "question 'q2' of the notebook is in no item" in found
    assert "item '2' has no question and no reason" in found


def test_readme_markers_are_rewritten_and_created(tmp_path, toy):
    """Does the rewrite replace a stale table between markers and add a missing subsection?"""
    toy(["name: q1\npoints: 1"],
        [{"item": "1", "summary": "a", "questions": ["q1"]}])
    text = "# T\n\n## Where the handouts are wrong\n\nx\n"
    new = coverage.update_readme_text(text, ["toy"])
    assert new.index(coverage.SECTION) < new.index("## Where the handouts are wrong")
    assert "### toy" in new and "<!-- coverage:toy:start -->" in new
    stale = new.replace("| 1 | a |", "| 1 | old |")
    assert coverage.update_readme_text(stale, ["toy"]) == new
    assert coverage.update_readme_text(new, ["toy"]) == new


def test_otter_assign_accepts_and_ignores_the_credit_key():
    """Does otter's question config take `credit: extra` without complaint (it ignores it)?"""
    from otter.assign.question_config import QuestionConfig
    question = QuestionConfig({"name": "q9", "points": 2, "credit": "extra"})
    assert (question.name, question.points) == ("q9", 2)


def test_unknown_credit_value_is_refused(tmp_path, toy):
    """Is a typo such as `credit: bonus` an error rather than silently required?"""
    toy(["name: q1\npoints: 1\ncredit: bonus"],
        [{"item": "1", "summary": "a", "questions": ["q1"]}])
    with pytest.raises(ValueError, match="bonus"):
        coverage.problems("toy")
