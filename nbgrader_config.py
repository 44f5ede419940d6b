"""nbgrader configuration of the course (the repository root is the course root).

Instructors grade with ``python -m grader grade`` (see README), which does what
``nbgrader autograde`` does with nbgrader's own steps and this file; everything that
changes how a notebook is scored lives here. Plain ``nbgrader autograde`` refuses.
"""

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "fundamentos-dl"
c.CourseDirectory.root = "."
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.solution_directory = "solutions"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
# Never copy caches or checkpoints into release/, solutions/ or autograded/.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".DS_Store",
]

# What a student finds in an answer cell: Spanish, like everything they read.
c.ClearSolutions.code_stub = {
    "python": "# ESCRIBE TU CÓDIGO AQUÍ\nraise NotImplementedError()",
}
c.ClearSolutions.text_stub = "ESCRIBE TU RESPUESTA AQUÍ"

# A deleted test cell is put back (and scored) instead of waiting forever for
# a manual grade; an edited one is restored from the gradebook (nbgrader default).
# The notice heads the restored cell, so the student reads it in the feedback.
c.OverwriteCells.add_missing_cells = True
c.OverwriteCells.missing_cell_notification = (
    "Esta celda ({cell_id}) faltaba en tu entrega: se ha vuelto a añadir para calificarla.\n\n"
)

# Plain `nbgrader autograde`, and formgrader's Autograde button that calls it, refuse with the command to
# use (python -m grader grade): they would grade unsandboxed, with the checks in the student's kernel.
# `--AutogradeRefused.allow=True` runs plain nbgrader anyway (bench/bench_class.py compares with it).
c.Autograde.exporter_class = "grader.grading.plain_autograde.AutogradeRefused"

# Execution: bounded per cell (the grading path's sandboxed kernels use the same limit, then
# interrupt, then kill; grader/grading/sandbox.py has the other limits); no timing metadata, so that
# solutions/ is the same every time it is generated and a demo run leaves `git status` clean.
c.Execute.timeout = 30
c.Execute.interrupt_on_timeout = True
c.Execute.record_timing = False
c.LimitOutput.max_lines = 1000
# Everything one grading kernel may write, in all (run folder, temporary files, observations): a tmpfs
# of this size per notebook, so N workers never use more than N times it; beyond it, "no space left".
c.SandboxLimits.disk_bytes = 256 * 2**20

# Student feedback: nbgrader's default steps, plus one that removes hidden tests and replaces
# tracebacks with the checks' one-line Spanish messages, and one that keeps only the graded
# cells and lists them for the score table (grader/grading/preprocessors.py). The page comes from the
# course's Spanish template (grader/grading/templates/retroalimentacion/): no scripts, no MathJax or
# anything else from the web, a few KB of CSS instead of nbgrader's 117 KB of Bootstrap. Set for
# GenerateFeedback only, so that the formgrader's own pages keep their templates.
from grader.grading.preprocessors import FEEDBACK_TEMPLATE, FEEDBACK_TEMPLATE_DIR  # noqa: E402

c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "grader.grading.preprocessors.StudentFeedback",
    "grader.grading.preprocessors.FeedbackOutline",
]
c.GenerateFeedback.HTMLExporter.template_name = FEEDBACK_TEMPLATE
c.GenerateFeedback.HTMLExporter.extra_template_basedirs = [str(FEEDBACK_TEMPLATE_DIR)]

# Every HTML page nbconvert renders from this course — students' feedback and formgrader's view of a
# submission, in the instructor's Jupyter origin — is sanitized: markdown is rendered, then cleaned, and
# HTML/SVG outputs are cleaned, with one allow-list (grader/grading/safe_html.py); formulas keep their text.
c.HTMLExporter.sanitize_html = True
c.HTMLExporter.filters = {"markdown2html": "grader.grading.safe_html.markdown2html",
                          "clean_html": "grader.grading.safe_html.clean_html"}

# Solutions: nbgrader's default steps, then merge printed chunks so that the executed
# notebooks are the same on every run (how a kernel splits output depends on timing).
c.GenerateSolution.preprocessors = [
    "nbgrader.preprocessors.IncludeHeaderFooter",
    "nbgrader.preprocessors.LockCells",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.ClearMarkScheme",
    "nbgrader.preprocessors.Execute",
    "nbconvert.preprocessors.CoalesceStreamsPreprocessor",
]
c.CoalesceStreamsPreprocessor.enabled = True   # nbconvert's preprocessors are off unless enabled

# Validate (button or `nbgrader validate`), on the student's side: do not cut the checks'
# Spanish messages at nbgrader's default 90 characters.
c.Validator.width = 300

# LMS zips (`nbgrader zip_collect`; `python -m grader import-zip` sets the same): archives are
# extracted without trusting them (grader/grading/archives.py): an entry leaving the folder, a zip bomb, a
# corrupt or too deeply nested zip is skipped and reported, and the rest of the class imported.
c.ZipCollectApp.extractor_plugin = "grader.grading.archives.SafeExtractor"

# Late work (nbgrader's own policy, applied by `python -m grader grade` and plain autograde alike):
# a submission is late when its timestamp (submitted/<student>/<assignment>/timestamp.txt, written by
# `nbgrader collect` or `import-zip`) is after the assignment's due date plus the student's extension.
# "none": late work keeps its points (the instructor's table marks it «tarde»); "zero": it scores 0.
# Set the due date with `nbgrader db assignment add NAME --duedate="2026-11-01 23:59:00 Europe/Madrid"`
# and an extension with `python -m grader extension NAME STUDENT --hours N` (nbgrader's per-submission
# `extension`). `scores`, the exports and the feedback show the same number: the score minus the penalty.
c.LateSubmissionPlugin.penalty_method = "none"
# The time zone in which the course's commands show dates (due dates, submission times, extensions);
# nbgrader's gradebook stores UTC, and a due date given without a zone is read as UTC. (nbgrader's own
# Exchange.timezone stays UTC: its timestamps name the zone by abbreviation, which reads back as UTC.)
c.CourseTime.timezone = "Europe/Madrid"
