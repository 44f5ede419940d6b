"""Handing in through an LMS: the instructor's zip of every submission (Moodle, Canvas) to grades.

Names follow what Moodle's and Canvas's "download all submissions" produce (grader/lms.py says
where each convention comes from). The end-to-end test runs the real ``nbgrader zip_collect``
through ``python -m grader import-zip`` and then the grading path.
"""

from __future__ import annotations

import contextlib
import io
import stat
import zipfile
from pathlib import Path, PurePosixPath

import pytest

from grader import cli
from grader.grading import pipeline, summary
from grader.grading.escape import markdown, printable
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
    assert notebook_of("sigmoide.ipynb", released) == "sigmoide"
    assert notebook_of("sigmoide (2).ipynb", released) == "sigmoide"   # saved again by a browser
    assert notebook_of("sigmoide-1.ipynb", released) == "sigmoide"     # uploaded again to Canvas
    assert notebook_of("leaky-relu.ipynb", released) == "leaky-relu"
    assert notebook_of("sigmoid.ipynb", released) is None
    assert notebook_of("sigmoide.py", released) is None


def test_duplicates_keep_the_highest_canvas_file_id_and_nothing_where_there_is_no_order():
    canvas = ["d/perezana_5551_90001_sigmoide.ipynb", "d/perezana_5551_90007_sigmoide-1.ipynb",
              "d/perezana_5551_90005_sigmoide (9).ipynb"]   # a copy number the student typed: no rank
    result = plan(canvas, {"sigmoide"})
    assert result.placed == {"d/perezana_5551_90007_sigmoide-1.ipynb": ("5551", "sigmoide")}
    assert set(result.skipped.values()) == {"duplicate: 5551 handed in sigmoide.ipynb more than once; "
                                            "kept d/perezana_5551_90007_sigmoide-1.ipynb (the later upload)"}
    moodle = ["d/Ana Pérez_101_assignsubmission_file/sigmoide (2).ipynb",
              "d/Ana Pérez_101_assignsubmission_file/sigmoide.ipynb"]
    result = plan(moodle, {"sigmoide"})
    assert result.placed == {} and set(result.skipped) == set(moodle)
    assert set(result.skipped.values()) == {"duplicate: 101 handed in sigmoide.ipynb more than once and Moodle "
                                            "gives no upload order: none placed; copy the right one to "
                                            "submitted/ by hand"}
    # two files of one handed-in zip share its file id: a tie, even beside an older upload
    tie = plan(["d/perezana_5551_90001_sigmoide.ipynb", "d/perezana_5551_90008_entrega/sigmoide.ipynb",
                "d/perezana_5551_90008_entrega/v2/sigmoide.ipynb"], {"sigmoide"})
    assert tie.placed == {} and len(tie.skipped) == 3
    assert all("2 of them came in one upload, Canvas file id 90008: none placed" in r for r in tie.skipped.values())


@pytest.mark.parametrize("path, owner, posing_as", [
    # a classmate's Canvas name inside one's own zip, or as the name one gave the file
    ("perezana_5551_90008_entrega/gomezbeto_5552_99999_sigmoide.ipynb", "5551", "gomezbeto_5552_99999_sigmoide.ipynb"),
    ("perezana_5551_90009_gomezbeto_5552_99999_sigmoide.ipynb", "5551", "gomezbeto_5552_99999_sigmoide.ipynb"),
    ("perezana_5551_90008_gomezbeto_5552_99999_x/sigmoide.ipynb", "5551", "gomezbeto_5552_99999_x"),
    # a classmate's Moodle folder inside one's own folder or zip (the nearest folder used to win)
    ("Ana_101_assignsubmission_file/entrega/Beto_202_assignsubmission_file/sigmoide.ipynb", "101",
     "Beto_202_assignsubmission_file"),
    ("Ana_101_assignsubmission_file_entrega/Beto_202_assignsubmission_file_sigmoide.ipynb", "101",
     "Beto_202_assignsubmission_file_sigmoide.ipynb"),
    # one's own LMS name inside one's own submission is no one else's
    ("perezana_5551_90008_entrega/perezana_5551_1_sigmoide.ipynb", "5551", ""),
])
def test_what_a_submission_holds_belongs_to_its_owner(path, owner, posing_as):
    found = parse_path(PurePosixPath("lms-download") / path)
    assert (found.lms_id, found.posing_as) == (owner, posing_as)
    if posing_as:
        result = plan([path], {"sigmoide"})
        assert result.placed == {}
        assert result.skipped[path].startswith(f"handed in by {found.lms} id {owner} under a name that looks "
                                               f"like another student's LMS name ({posing_as}): not placed")


def test_roster_maps_lms_ids_and_reports_unknown_ones():
    files = ["d/perezana_5551_1_sigmoide.ipynb", "d/ruizcarla_5553_2_sigmoide.ipynb"]
    result = plan(files, {"sigmoide"}, roster={"5551": "ana"})
    assert result.placed == {"d/perezana_5551_1_sigmoide.ipynb": ("ana", "sigmoide")}
    assert result.skipped == {"d/ruizcarla_5553_2_sigmoide.ipynb": "canvas id 5553 is not in the roster"}


def test_student_text_is_shown_escaped_and_printable_text_unchanged():
    assert printable("Ana Pérez «sigmoide (1)».ipynb") == "Ana Pérez «sigmoide (1)».ipynb"
    hostile = "a\x1b[2J\rb\n\x00\u202egnp.\u200bc\x9b\udcff"   # ANSI, CR, NUL, bidi, zero-width, C1, not UTF-8
    shown = printable(hostile)
    assert shown == "a\\x1b[2J\\rb\\n\\x00\\u202egnp.\\u200bc\\x9b\\udcff"
    assert shown.isprintable() and printable(shown) == shown                # escaping twice changes nothing
    assert markdown("<img src=x onerror=alert(1)> | **b** [l](javascript:x) `c` # \x1b") == \
        "&lt;img src=x onerror=alert(1)&gt; \\| \\*\\*b\\*\\* \\[l\\](javascript:x) \\`c\\` \\# \\\\x1b"


# --- end to end: zip -> python -m grader import-zip (real zip_collect) -> grading path -------------

ANSI = "\x1b[2J\x1b[31m"   # clear the screen, then red: what a student may put in a name or a notebook
BOMB = b"\0" * (20 << 20)  # 20 MB of zeros in ~20 KB: inflates ~1000 times


def write_zip(path: Path, files: dict) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(link_entry(*name) if isinstance(name, tuple) else name, data)
    return path


def link_entry(name: str, target: str) -> zipfile.ZipInfo:
    """A zip entry that unzip(1) would make a symbolic link to ``target``."""
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def zip_bytes(files: dict) -> bytes:
    buffer = io.BytesIO()
    write_zip(buffer, files)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """Both LMS downloads, honest and hostile files side by side, imported with the CLI; then every
    placed submission graded with ``python -m grader grade`` and the summary written."""
    root = tmp_path_factory.mktemp("lms")
    course = released_course(root)
    release = course / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    stub, solution = release.read_text(encoding="utf-8"), answered(release, reference_answers())
    moodle = write_zip(root / "moodle.zip", {
        "Ana Pérez_101_assignsubmission_file/sigmoide.ipynb": stub,             # Moodle gives no order:
        "Ana Pérez_101_assignsubmission_file/sigmoide (1).ipynb": solution,     # neither is placed
        "Beto Gómez_202_assignsubmission_file/sigmoide.ipynb": stub,
        "Beto Gómez_202_assignsubmission_onlinetext/onlinetext.html": "<p>Hola</p>",
        "Carla Ruiz_303_assignsubmission_file/sigmoid.ipynb": solution,         # wrong notebook name
        "Carla Ruiz_303_assignsubmission_file/entrega.zip": zip_bytes({         # Carla poses as others
            "Beto Gómez_202_assignsubmission_file/sigmoide (5).ipynb": solution,   # "later" than Beto's
            "Dario Díaz_404_assignsubmission_file/sigmoide.ipynb": solution}),  # 404 handed nothing in
        "Eva Díaz_505_assignsubmission_file/sigmoide.ipynb":                    # broken, escape codes inside
            '{"nbformat": "\\u001b[2J\\u001b[31mEVA"}',
        "sigmoide.ipynb": solution,                                             # whose is it?
    })
    canvas = write_zip(root / "canvas.zip", {
        "perezana_5551_90001_sigmoide.ipynb": stub,
        "perezana_5551_90007_sigmoide-1.ipynb": solution,                       # later file id: kept
        "perezana_5551_90002_notas.txt": "notas",
        "gomezbeto_LATE_5552_90003_sigmoide.ipynb": stub,
        "ruizcarla_5553_90004_sigmoide.ipynb": solution,                        # not in the roster
        "Sigmoide final.ipynb": solution,
        # Carla's own zip, holding files named like Beto's and Eva's (eva handed nothing in)
        "ruizcarla_5553_90010_entrega.zip": zip_bytes({"gomezbeto_5552_99999_sigmoide.ipynb": solution,
                                                      "diazeva_5554_99998_sigmoide.ipynb": solution}),
        f"perezana_5551_90011_{ANSI}notas.txt": "notas",                        # escape codes in a name
        "../../../../fuera_5555_90012_sigmoide.ipynb": solution,                # leaves the folder
        "lopezfede_5556_90013_sigmoide.ipynb": BOMB,                            # zip bomb entry
        "gomezbeto_5552_90014_viaje.zip": zip_bytes({"../../../../../fuera2.ipynb": solution,
                                                    "sigmoide.ipynb": solution}),
        "gomezbeto_5552_90015_bomba.zip": zip_bytes({"sigmoide.ipynb": BOMB}),
        "__MACOSX/._gomezbeto_5552_90015_bomba.zip": b"\0\5\26\7 AppleDouble",   # not a zip, not opened
        "gomezbeto_5552_90016_rota.zip": zip_bytes({"sigmoide.ipynb": solution})[:-40],   # truncated
        "gomezbeto_5552_90018_enlace.zip": zip_bytes({("sigmoide.ipynb", "/etc/passwd"): "/etc/passwd"}),
        "gomezbeto_5552_90017_capas.zip": zip_bytes({"a.zip": zip_bytes({"b.zip": zip_bytes({
            "sigmoide.ipynb": solution})})}),                                   # zips 4 deep
    })
    roster = root / "roster.csv"
    roster.write_text("id,lms_id\nana,5551\nbeto,5552\neva,5554\n", encoding="utf-8")
    broken = root / "descarga.zip"
    broken.write_bytes(canvas.read_bytes()[:300])   # a download cut short: no zip directory at all
    runs = {}
    for name, args in [("moodle", [str(moodle), "--lms", "moodle"]),
                       ("canvas", [str(canvas), "--roster", str(roster)]), ("broken", [str(broken)])]:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = cli.main(["--course", str(course), "import-zip", ASSIGNMENT, *args])
        runs[name] = (status, out.getvalue())
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = cli.main(["--course", str(course), "grade", ASSIGNMENT])
    runs["grade"] = (status, out.getvalue())
    summary_md = summary.write(course, ASSIGNMENT)[0].read_text(encoding="utf-8")
    return course, runs, pipeline.load_report(course, ASSIGNMENT), solution, stub, summary_md


@pytest.mark.slow   # grades the imported class
def test_import_exits_1_when_something_was_not_placed(imported):
    _, runs, _, _, _, _ = imported
    assert {name: status for name, (status, _) in runs.items() if name != "grade"} == \
        {"moodle": 1, "canvas": 1, "broken": 1}
    assert runs["broken"][1] == ("placed 0 notebooks of 0 students\nNOT placed (1 files):\n"
                                 "  descarga.zip: zip not extracted: BadZipFile: File is not a zip file\n")


MOODLE_TIE = ("duplicate: 101 handed in sigmoide.ipynb more than once and Moodle gives no upload order: "
              "none placed; copy the right one to submitted/ by hand")
POSING = "under a name that looks like another student's LMS name ({}): not placed for anyone"


@pytest.mark.parametrize("lms, file, reason", [
    ("moodle", "Ana Pérez_101_assignsubmission_file/sigmoide.ipynb", MOODLE_TIE),
    ("moodle", "Ana Pérez_101_assignsubmission_file/sigmoide (1).ipynb", MOODLE_TIE),
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
    ("canvas", "__MACOSX/._gomezbeto_5552_90015_bomba.zip", "macOS metadata, not a submission"),
])
@pytest.mark.slow   # grades the imported class
def test_every_file_not_placed_is_reported_with_its_reason(imported, lms, file, reason):
    output = imported[1][lms][1]
    assert f"  {file}: {reason}\n" in output + "\n", output


@pytest.mark.parametrize("lms, file, inner", [
    ("moodle", "Carla Ruiz_303_assignsubmission_file/entrega/Beto Gómez_202_assignsubmission_file/sigmoide (5).ipynb",
     "Beto Gómez_202_assignsubmission_file"),
    ("moodle", "Carla Ruiz_303_assignsubmission_file/entrega/Dario Díaz_404_assignsubmission_file/sigmoide.ipynb",
     "Dario Díaz_404_assignsubmission_file"),
    ("canvas", "ruizcarla_5553_90010_entrega/gomezbeto_5552_99999_sigmoide.ipynb", "gomezbeto_5552_99999_sigmoide.ipynb"),
    ("canvas", "ruizcarla_5553_90010_entrega/diazeva_5554_99998_sigmoide.ipynb", "diazeva_5554_99998_sigmoide.ipynb"),
])
@pytest.mark.slow   # grades the imported class
def test_a_student_posing_as_a_classmate_is_reported_and_places_nothing(imported, lms, file, inner):
    course, runs, _, solution, stub, _ = imported
    owner = {"moodle": "moodle id 303", "canvas": "canvas id 5553"}[lms]
    assert f"  {file}: handed in by {owner} {POSING.format(inner)}" in runs[lms][1]
    submitted = course / "submitted"
    # the classmate's own submission is the one placed (and graded, below); no one else got one
    assert (submitted / "202" / ASSIGNMENT / "sigmoide.ipynb").read_text(encoding="utf-8") == stub
    assert (submitted / "beto" / ASSIGNMENT / "sigmoide.ipynb").read_text(encoding="utf-8") == stub
    assert not (submitted / "404").exists() and not (submitted / "eva").exists()
    assert not (submitted / "303").exists() and not (submitted / "5553").exists()


@pytest.mark.parametrize("file, reason", [
    ("../../../../fuera_5555_90012_sigmoide.ipynb", "entry not extracted: the name leaves the archive's folder"),
    ("lopezfede_5556_90013_sigmoide.ipynb", "entry not extracted: inflates more than 200 times (zip bomb?)"),
    ("gomezbeto_5552_90014_viaje.zip",
     "zip not extracted: entry '../../../../../fuera2.ipynb': the name leaves the archive's folder"),
    ("gomezbeto_5552_90015_bomba.zip",
     "zip not extracted: entry 'sigmoide.ipynb': inflates more than 200 times (zip bomb?)"),
    ("gomezbeto_5552_90016_rota.zip", "zip not extracted: BadZipFile: File is not a zip file"),
    ("gomezbeto_5552_90017_capas/a/b.zip", "zip not extracted: zip nested more than 3 deep: not opened"),
    ("gomezbeto_5552_90018_enlace.zip",
     "zip not extracted: entry 'sigmoide.ipynb': not a regular file (a link or a device)"),
])
@pytest.mark.slow   # grades the imported class
def test_a_bad_archive_is_skipped_and_reported_and_the_class_imported(imported, file, reason):
    course, runs, _, solution, stub, _ = imported
    assert f"  {file}: {reason}\n" in runs["canvas"][1], runs["canvas"][1]
    assert not list(course.parent.rglob("fuera*"))                  # nothing written outside
    assert sorted(p.name for p in (course / "submitted").iterdir()) == ["202", "505", "ana", "beto"]
    assert (course / "submitted" / "beto" / ASSIGNMENT / "sigmoide.ipynb").read_text(encoding="utf-8") == stub


@pytest.mark.slow   # grades the imported class
def test_placed_files_are_where_nbgrader_grades_them(imported):
    course, runs, _, solution, _, _ = imported
    # the kept duplicate is the later upload, copied under the release notebook's name
    assert (course / "submitted" / "ana" / ASSIGNMENT / "sigmoide.ipynb").read_text(encoding="utf-8") == solution
    assert "placed 2 notebooks of 2 students" in runs["canvas"][1]
    assert "  ana/sigmoide <- perezana_5551_90007_sigmoide-1.ipynb\n" in runs["canvas"][1]
    assert "  beto/sigmoide <- gomezbeto_LATE_5552_90003_sigmoide.ipynb (LATE)\n" in runs["canvas"][1]


@pytest.mark.slow   # grades the imported class
def test_grades_come_out_of_the_gradebook(imported):
    course, _, report, _, _, _ = imported
    assert sorted(report.graded) == ["202", "ana", "beto"] and list(report.failed) == ["505"]
    scores = {row["student"]: (row["score"], row["max_score"]) for row in pipeline.score_table(course)}
    assert scores == {"ana": (6.0, 6.0), "202": (0.0, 6.0), "beto": (0.0, 6.0), "505": (0.0, 6.0)}


@pytest.mark.slow   # grades the imported class
def test_student_text_reaches_the_instructor_escaped(imported):
    _, runs, report, _, _, summary_md = imported
    # a file name and a broken notebook's first characters, both carrying escape codes
    assert "  perezana_5551_90011_\\x1b[2J\\x1b[31mnotas.txt: not a notebook (\\x1b[2J\\x1b[31mnotas.txt)\n" \
        in runs["canvas"][1]
    assert "  not graded: 505: not graded (sigmoide): NBFormatError: Unsupported nbformat version " \
           "\\x1b[2J\\x1b[31mEVA\n" in runs["grade"][1]
    assert "- 505 / 05-activaciones: not graded (sigmoide): NBFormatError: Unsupported nbformat version " \
           "\\\\x1b\\[2J\\\\x1b\\[31mEVA\n" in summary_md
    for text in [runs["moodle"][1], runs["canvas"][1], runs["grade"][1], summary_md, *report.failed.values()]:
        assert "\x1b" not in text


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
