"""`python -m grader catalog` counts and formats without grading anything (fast).

The grading itself is exercised by tests/test_notebooks.py; here the verdicts
come from hand-made results, so every count in the table is known in advance.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.authoring import catalog as catalogs
from grader.authoring import catalog_report
from grader import cli
from grader.checks.messages import KIND
from grader.authoring.batch import Result

CATALOGS = Path(__file__).resolve().parent / "catalog"

TOML = '''
assignment = "99-prueba"
notebook = "capa"
answer_cell = "capa_layer"

[[mistake]]
name = "caught"
catch = ["test_forward"]
message = "valores incorrectos"
code = "pass"

[[mistake]]
name = "slips through"
catch = ["test_backward"]
message = "el gradiente no coincide con PyTorch"
code = "pass"

[[mistake]]
name = "documented gap"
catch = ["test_forward"]
message = "valores incorrectos"
known_gap = "the forward check never looks at x = 0"
code = "pass"

[[mistake]]
name = "other cell, caught"
cell = "capa_helper"
catch = ["test_helper"]
message = "forma incorrecta"
code = "pass"

[[alternative]]
name = "accepted"
code = "pass"

[[alternative]]
name = "rejected but documented"
exception = "needs float64 accuracy the dtype policy does not ask for"
code = "pass"
'''

FULL = {"test_forward": (2.0, 2.0), "test_backward": (2.0, 2.0), "test_helper": (1.0, 1.0)}


def scores(**lost):
    return {cell: ((0.0 if cell in lost else points), points) for cell, (_, points) in FULL.items()}


@pytest.fixture
def catalog(tmp_path):
    path = tmp_path / "capa.toml"
    path.write_text(TOML, encoding="utf-8")
    return catalogs.load(path)


@pytest.fixture
def outcomes(catalog):
    by_name = {e.name: e for e in catalog.entries}
    results = {
        "caught": Result(scores(test_forward=True), "Valores incorrectos. ..."),
        "slips through": Result(scores(), "Correcto"),
        "documented gap": Result(scores(), "Correcto"),
        "other cell, caught": Result(scores(test_helper=True), "Forma incorrecta. ..."),
        "accepted": Result(scores(), "Correcto"),
        "rejected but documented": Result(scores(test_backward=True), "..."),
    }
    graded = {(by_name[n].student, "capa"): r for n, r in results.items()}
    return catalog_report.judge([catalog], graded)


def test_load_reads_documented_entries(catalog):
    by_name = {e.name: e for e in catalog.entries}
    assert by_name["documented gap"].documented == "known gap"
    assert by_name["documented gap"].reason.startswith("the forward check")
    assert by_name["rejected but documented"].documented == "exception"
    assert by_name["caught"].documented == ""
    assert catalog.cells() == ["capa_layer", "capa_helper"]


def test_load_rejects_unknown_fields_and_double_documentation(tmp_path):
    path = tmp_path / "x.toml"
    path.write_text(TOML.replace('name = "caught"', 'name = "caught"\nkown_gap = "typo"'), encoding="utf-8")
    with pytest.raises(ValueError, match="unknown fields"):
        catalogs.load(path)
    path.write_text(TOML.replace('known_gap = "the', 'exception = "x"\nknown_gap = "the'), encoding="utf-8")
    with pytest.raises(ValueError, match="not both"):
        catalogs.load(path)


def test_counts_per_answer_cell_leave_documented_entries_apart(outcomes):
    table = {r["exercise"]: r for r in catalog_report.rows(outcomes)}
    assert list(table) == ["capa_layer", "capa_helper", "(notebook)", "(course)"]
    assert table["capa_layer"]["mistakes"] == (1, 2)
    assert table["capa_layer"]["alternatives"] == (1, 1)
    assert table["capa_layer"]["documented"] == ["known gap", "exception"]
    assert table["capa_helper"]["mistakes"] == (1, 1)
    assert table["(notebook)"]["mistakes"] == (2, 3) == table["(course)"]["mistakes"]


def test_only_undocumented_problems_fail(outcomes):
    failed = [o.entry.name for o in outcomes if o.failed]
    assert failed == ["slips through"]
    problems = {o.entry.name: o.problem for o in outcomes}
    assert problems["documented gap"].startswith("test_forward gave full marks")
    assert "lost points" in problems["rejected but documented"]


def test_report_lists_documented_exceptions_and_failures(outcomes):
    text = catalog_report.format_report(outcomes)
    assert "| 99-prueba | `capa` | `capa_layer` | 1/2 ✗ | 0/2 | 1/1 | 1 known gap, 1 exception |" in text
    assert "| 99-prueba | `capa` | `capa_helper` | 1/1 | 0/1 | 0/0 | — |" in text
    assert "|  |  | **(course)** | 2/3 ✗ | 0/3 | 1/1 | 1 known gap, 1 exception |" in text
    assert "[known gap] capa / capa_layer, mistake «documented gap»: the forward check never" in text
    assert "1 entries did not behave" in text and "«slips through»: test_backward gave full marks" in text


def test_documented_entry_that_now_behaves_asks_to_remove_its_marker(catalog):
    gap = next(e for e in catalog.entries if e.name == "documented gap")
    outcome = catalog_report.Outcome("99-prueba", "capa", gap, "")
    assert not outcome.failed
    assert "remove `known_gap`" in catalog_report.format_report([outcome])


def test_ungraded_entry_is_a_failure(catalog):
    outcomes = catalog_report.judge([catalog], {})
    assert all(o.problem == "was not graded" for o in outcomes)
    assert "Every catalogued mistake" not in catalog_report.format_report(outcomes)


def test_exit_status_follows_failures(monkeypatch, tmp_path, outcomes):
    import grader.authoring.batch
    monkeypatch.setattr(catalog_report.catalogs, "find", lambda root, names: [Path("x")])
    monkeypatch.setattr(catalog_report.catalogs, "load", lambda path: None)
    monkeypatch.setattr(catalog_report.catalogs, "submissions", lambda cat: [])
    monkeypatch.setattr(grader.authoring.batch, "grade_submissions", lambda subs, course: {})
    monkeypatch.setattr(catalog_report, "judge", lambda cats, results: outcomes)
    assert catalog_report.run(tmp_path, say=lambda *a: None) == 1
    monkeypatch.setattr(catalog_report, "judge", lambda cats, results: [o for o in outcomes if not o.failed])
    assert catalog_report.run(tmp_path, say=lambda *a: None) == 0


def test_cli_rejects_an_unknown_notebook(capsys):
    course = Path(__file__).resolve().parents[1]
    assert cli.main(["--course", str(course), "catalog", "no-such-notebook"]) == 2
    assert "no catalog for" in capsys.readouterr().err


def test_every_course_catalog_is_well_formed():
    """Messages are failure kinds from grader/messages.py; documented entries say why."""
    paths = catalogs.find(CATALOGS)
    assert paths
    for path in paths:
        for entry in catalogs.load(path).entries:
            where = f"{path.stem}: {entry.name}"
            if entry.kind == "mistake":
                assert entry.catch, where
                assert any(entry.message.lower() in k.lower() for k in KIND.values()), where
            if entry.documented:
                assert len(entry.reason) > 20, f"{where}: say why it is documented"


def test_recognised_by_name_counts_mistakes_whose_feedback_names_their_misconception(tmp_path):
    from grader.checks.messages import DIAGNOSIS
    path = tmp_path / "capa.toml"
    path.write_text(TOML.replace('name = "caught"', 'name = "caught"\ndiagnosis = "backward_no_grad_output"')
                    .replace('name = "other cell, caught"', 'name = "other cell, caught"\ndiagnosis = ["db_mean"]'),
                    encoding="utf-8")
    cat = catalogs.load(path)
    by_name = {e.name: e for e in cat.entries}
    named = Result(scores(test_forward=True), "Valores incorrectos. Diagnóstico: "
                   + DIAGNOSIS["backward_no_grad_output"])
    unnamed = Result(scores(test_helper=True), "Forma incorrecta. ...")
    outcomes = catalog_report.judge([cat], {(by_name["caught"].student, "capa"): named,
                                            (by_name["other cell, caught"].student, "capa"): unnamed})
    table = {r["exercise"]: r for r in catalog_report.rows(outcomes)}
    assert table["capa_layer"]["recognised"] == (1, 2) and table["capa_helper"]["recognised"] == (0, 1)
    assert "feedback does not name the misconception 'db_mean'" in next(
        o.problem for o in outcomes if o.entry.name == "other cell, caught")
    path.write_text(TOML.replace('name = "caught"', 'name = "caught"\ndiagnosis = "no_such_mistake"'),
                    encoding="utf-8")
    with pytest.raises(ValueError, match="unknown diagnosis"):
        catalogs.load(path)
