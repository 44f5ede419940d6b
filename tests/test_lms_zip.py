"""Handing in through an LMS: the instructor's zip of every submission (Moodle, Canvas) to grades.

Names follow what Moodle's and Canvas's "download all submissions" produce (grader/lms.py says
where each convention comes from). The end-to-end test runs the real ``nbgrader zip_collect``
through ``python -m grader import-zip`` and then the grading path.
"""

from __future__ import annotations

import contextlib
import io
import zipfile
from pathlib import Path, PurePosixPath

import pytest

from grader import cli
from grader.grading import pipeline
from grader.grading.lms import notebook_of, parse_path, plan

from .student_course import ASSIGNMENT, COURSE, NOTEBOOK, answered, reference_answers, released_course


@pytest.mark.parametrize("path, lms, lms_id, filename", [
    # Moodle >= 3.1: one folder per student and submission plugin (older versions end it in "_")
    ("Ana Pérez_101_assignsubmission_file/sigmoide.ipynb", "moodle", "101", "sigmoide.ipynb"),
    ("Ana Pérez_101_assignsubmission_file_/sigmoide.ipynb", "moodle", "101", "sigmoide.ipynb"),
    ("Ana Pérez_101_assignsubmission_file/entrega/sigmoide.ipynb", "moodle", "101", "sigmoide.ipynb"),
    ("Participant_7_assignsubmission_file/sigmoide.ipynb", "moodle", "7", "sigmoide.ipynb"),  # blind
    ("Beto Gómez_202_assignsubmission_onlinetext/onlinetext.html", "moodle", "202", "onlinetext.html"),
    # Moodle, "download submissions in folders" off: the prefix is part of the file name
    ("Ana Pérez_101_assignsubmission_file_sigmoide.ipynb", "moodle", "101", "sigmoide.ipynb"),
    # Canvas: sortable name, LATE, user id, file id, the name the student gave the file
    ("perezana_5551_90001_sigmoide.ipynb", "canvas", "5551", "sigmoide.ipynb"),
    ("gomezbeto_LATE_5552_90003_sigmoide-1.ipynb", "canvas", "5552", "sigmoide-1.ipynb"),
    ("smith_jonesann_77_90005_sigmoide.ipynb", "canvas", "77", "sigmoide.ipynb"),
    ("anon_aB3xY_90006_sigmoide.ipynb", "canvas", "anon_aB3xY", "sigmoide.ipynb"),
    ("LATE_anon_aB3xY_90006_sigmoide.ipynb", "canvas", "anon_aB3xY", "sigmoide.ipynb"),
    # Canvas: a zip the student handed in, extracted by nbgrader into a folder named after it
    ("perezana_5551_90008_entrega/sigmoide.ipynb", "canvas", "5551", "sigmoide.ipynb"),
])
def test_both_naming_conventions_are_recognised(path, lms, lms_id, filename):
    found = parse_path(PurePosixPath("descarga") / path)
    assert (found.lms, found.lms_id, found.filename) == (lms, lms_id, filename)
    assert parse_path(PurePosixPath(path), lms).lms_id == lms_id          # and with --lms given
    other = {"moodle": "canvas", "canvas": "moodle"}[lms]
    assert parse_path(PurePosixPath(path), other) is None


def test_a_moodle_folder_decides_even_when_the_file_looks_like_a_canvas_name():
    found = parse_path(PurePosixPath("Ana Pérez_101_assignsubmission_file/v_1_2_sigmoide.ipynb"))
    assert (found.lms, found.lms_id, found.filename) == ("moodle", "101", "v_1_2_sigmoide.ipynb")


@pytest.mark.parametrize("path", ["sigmoide.ipynb", "Ana Pérez sigmoide.ipynb", "ana_sigmoide.ipynb",
                                  "Ana Pérez_assignsubmission_file_sigmoide.ipynb", "perezana_5551_sigmoide.ipynb"])
def test_names_of_neither_convention_are_not_recognised(path):
    assert parse_path(PurePosixPath(path)) is None


def test_notebook_names_and_copies():
    released = {"sigmoide", "leaky-relu"}
    assert notebook_of("sigmoide.ipynb", released) == ("sigmoide", 0)
    assert notebook_of("sigmoide (2).ipynb", released) == ("sigmoide", 2)   # saved again by a browser
    assert notebook_of("sigmoide-1.ipynb", released) == ("sigmoide", 1)     # uploaded again to Canvas
    assert notebook_of("leaky-relu.ipynb", released) == ("leaky-relu", 0)
    assert notebook_of("sigmoid.ipynb", released) is None
    assert notebook_of("sigmoide.py", released) is None


def test_duplicates_keep_the_latest_upload_and_the_rest_is_reported():
    files = ["d/perezana_5551_90001_sigmoide.ipynb", "d/perezana_5551_90007_sigmoide-1.ipynb",
             "d/Ana Pérez_101_assignsubmission_file/sigmoide (2).ipynb",
             "d/Ana Pérez_101_assignsubmission_file/sigmoide.ipynb",
             "d/Ana Pérez_101_assignsubmission_file/sigmoide (1).ipynb"]
    result = plan(files, {"sigmoide"})
    assert result.placed == {"d/perezana_5551_90007_sigmoide-1.ipynb": ("5551", "sigmoide"),
                             "d/Ana Pérez_101_assignsubmission_file/sigmoide (2).ipynb": ("101", "sigmoide")}
    assert len(result.skipped) == 3
    assert all(r.startswith("duplicate:") and r.endswith("(the later upload)") for r in result.skipped.values())
    tie = plan(["d/Ana_1_assignsubmission_file/sigmoide.ipynb", "d/Ana_1_assignsubmission_file/v2/sigmoide.ipynb"],
               {"sigmoide"})
    assert list(tie.placed) == ["d/Ana_1_assignsubmission_file/sigmoide.ipynb"]
    assert list(tie.skipped.values())[0].endswith("(nearest the top of the zip)")


def test_roster_maps_lms_ids_and_reports_unknown_ones():
    files = ["d/perezana_5551_1_sigmoide.ipynb", "d/ruizcarla_5553_2_sigmoide.ipynb"]
    result = plan(files, {"sigmoide"}, roster={"5551": "ana"})
    assert result.placed == {"d/perezana_5551_1_sigmoide.ipynb": ("ana", "sigmoide")}
    assert result.skipped == {"d/ruizcarla_5553_2_sigmoide.ipynb": "canvas id 5553 is not in the roster"}


# --- end to end: zip -> python -m grader import-zip (real zip_collect) -> grading path -------------

def write_zip(path: Path, files: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return path


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """Both LMS downloads imported with the CLI, then every submission graded in one run."""
    root = tmp_path_factory.mktemp("lms")
    course = released_course(root)
    release = course / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    stub, solution = release.read_text(encoding="utf-8"), answered(release, reference_answers())
    moodle = write_zip(root / "moodle.zip", {
        "Ana Pérez_101_assignsubmission_file/sigmoide.ipynb": stub,             # first upload
        "Ana Pérez_101_assignsubmission_file/sigmoide (1).ipynb": solution,     # uploaded again: kept
        "Beto Gómez_202_assignsubmission_file/sigmoide.ipynb": stub,
        "Beto Gómez_202_assignsubmission_onlinetext/onlinetext.html": "<p>Hola</p>",
        "Carla Ruiz_303_assignsubmission_file/sigmoid.ipynb": solution,         # wrong notebook name
        "sigmoide.ipynb": solution,                                             # whose is it?
    })
    canvas = write_zip(root / "canvas.zip", {
        "perezana_5551_90001_sigmoide.ipynb": stub,
        "perezana_5551_90007_sigmoide-1.ipynb": solution,                       # later file id: kept
        "perezana_5551_90002_notas.txt": "notas",
        "gomezbeto_LATE_5552_90003_sigmoide.ipynb": stub,
        "ruizcarla_5553_90004_sigmoide.ipynb": solution,                        # not in the roster
        "Sigmoide final.ipynb": solution,
    })
    roster = root / "roster.csv"
    roster.write_text("id,lms_id\nana,5551\nbeto,5552\n", encoding="utf-8")
    runs = {}
    for name, args in [("moodle", [str(moodle), "--lms", "moodle"]),
                       ("canvas", [str(canvas), "--roster", str(roster)])]:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = cli.main(["--course", str(course), "import-zip", ASSIGNMENT, *args])
        runs[name] = (status, out.getvalue())
    return course, runs, pipeline.grade(course, ASSIGNMENT), solution


def test_import_exits_1_when_something_was_not_placed(imported):
    _, runs, _, _ = imported
    assert {name: status for name, (status, _) in runs.items()} == {"moodle": 1, "canvas": 1}


@pytest.mark.parametrize("lms, file, reason", [
    ("moodle", "Ana Pérez_101_assignsubmission_file/sigmoide.ipynb",
     "duplicate: 101 handed in sigmoide.ipynb more than once; "
     "kept Ana Pérez_101_assignsubmission_file/sigmoide (1).ipynb (the later upload)"),
    ("moodle", "Beto Gómez_202_assignsubmission_onlinetext/onlinetext.html", "not a notebook (onlinetext.html)"),
    ("moodle", "Carla Ruiz_303_assignsubmission_file/sigmoid.ipynb",
     "sigmoid.ipynb is not a notebook of this assignment (expected sigmoide.ipynb)"),
    ("moodle", "sigmoide.ipynb", "name does not follow the Moodle naming convention"),
    ("canvas", "perezana_5551_90001_sigmoide.ipynb",
     "duplicate: ana handed in sigmoide.ipynb more than once; "
     "kept perezana_5551_90007_sigmoide-1.ipynb (the later upload)"),
    ("canvas", "perezana_5551_90002_notas.txt", "not a notebook (notas.txt)"),
    ("canvas", "ruizcarla_5553_90004_sigmoide.ipynb", "canvas id 5553 is not in the roster"),
    ("canvas", "Sigmoide final.ipynb", "name does not follow the Moodle or the Canvas naming convention"),
])
def test_every_file_not_placed_is_reported_with_its_reason(imported, lms, file, reason):
    output = imported[1][lms][1]
    assert f"  {file}: {reason}\n" in output + "\n", output


def test_placed_files_are_where_nbgrader_grades_them(imported):
    course, runs, _, solution = imported
    submitted = course / "submitted"
    assert sorted(p.name for p in submitted.iterdir()) == ["101", "202", "ana", "beto"]
    # the kept duplicate is the later upload, copied under the release notebook's name
    assert (submitted / "101" / ASSIGNMENT / "sigmoide.ipynb").read_text(encoding="utf-8") == solution
    assert (submitted / "ana" / ASSIGNMENT / "sigmoide.ipynb").read_text(encoding="utf-8") == solution
    assert "placed 2 notebooks of 2 students" in runs["canvas"][1]
    assert "  ana/sigmoide <- perezana_5551_90007_sigmoide-1.ipynb\n" in runs["canvas"][1]
    assert "  beto/sigmoide <- gomezbeto_LATE_5552_90003_sigmoide.ipynb (LATE)\n" in runs["canvas"][1]


def test_grades_come_out_of_the_gradebook(imported):
    course, _, report, _ = imported
    assert sorted(report.graded) == ["101", "202", "ana", "beto"] and report.failed == {}
    scores = {row["student"]: (row["score"], row["max_score"]) for row in pipeline.score_table(course)}
    assert scores == {"101": (6.0, 6.0), "ana": (6.0, 6.0), "202": (0.0, 6.0), "beto": (0.0, 6.0)}


def test_import_zip_refuses_what_it_cannot_use(tmp_path, capsys):
    (tmp_path / "nbgrader_config.py").write_text((COURSE / "nbgrader_config.py").read_text(encoding="utf-8"))
    run = ["--course", str(tmp_path), "import-zip", ASSIGNMENT, str(tmp_path / "entregas.zip")]
    assert cli.main(run) == 2
    assert f"release/{ASSIGNMENT} does not exist" in capsys.readouterr().err
    (tmp_path / "release" / ASSIGNMENT).mkdir(parents=True)
    (tmp_path / "roster.csv").write_text("alumno,moodle\nana,101\n", encoding="utf-8")
    assert cli.main(run + ["--roster", str(tmp_path / "roster.csv")]) == 2
    assert "the roster needs the columns id,lms_id" in capsys.readouterr().err
    (tmp_path / "roster.csv").write_text("id,lms_id\nana,101\nbeto,101\n", encoding="utf-8")
    assert cli.main(run + ["--roster", str(tmp_path / "roster.csv")]) == 2
    assert "lms_id 101 is given to ana and beto" in capsys.readouterr().err
