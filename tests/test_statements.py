"""What the notebooks state agrees with what their tests do (issue 20, parts 5 and 6).

Reads the source notebooks only (no kernel, no grading): the stated order of the activation
notebooks, the stability range of the points tables against the hidden stability cases, the
hidden large-scale backward case of every activation and the finite-difference scale, the
initializers' sample count, and the wording the course settled on.
"""

from __future__ import annotations

import ast
import json
import re

import numpy as np
import pytest

from tests.course_data import COURSE

SOURCE = COURSE / "source"
ACTIVATIONS = SOURCE / "05-activaciones"
# The order every activation notebook states in its introduction.
ORDER = ["identidad", "relu", "leaky-relu", "elu", "selu", "sigmoide", "tanh", "softplus", "silu", "gelu",
         "mish", "softmax"]
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _markdown(path) -> str:
    return "\n".join("".join(c["source"]) for c in _cells(path) if c["cell_type"] == "markdown")


def _test_cells(path) -> dict[str, str]:
    return {c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"]) for c in _cells(path)
            if c["metadata"].get("nbgrader", {}).get("grade")}


def _calls(code: str, name: str):
    """Keyword arguments of every grader.<name>(...) call in code, literal values only."""
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == name:
            kw = {}
            for k in node.keywords:
                try:
                    kw[k.arg] = ast.literal_eval(k.value)
                except ValueError:
                    kw[k.arg] = None
            yield kw


def _hidden(code: str) -> str:
    found = HIDDEN.search(code)
    return found.group(1) if found else ""


def test_activation_order_is_stated_the_same_way_in_every_introduction():
    assert sorted(p.stem for p in ACTIVATIONS.glob("*.ipynb")) == sorted(ORDER)
    listings = set()
    for k, name in enumerate(ORDER, 1):
        intro = "".join(_cells(ACTIVATIONS / f"{name}.ipynb")[0]["source"])
        found = re.search(r"\*Cuaderno (\d+) de 12 de la tarea de activaciones, que se hacen en este orden: (.*?)\.\*",
                          intro)
        assert found, name
        assert int(found.group(1)) == k, name
        listings.add(found.group(2))
    assert len(listings) == 1
    for name in ORDER:
        text = _markdown(ACTIVATIONS / f"{name}.ipynb")
        assert "cuaderno anterior" not in text and "Como en la sigmoide" not in text, name


@pytest.mark.parametrize("name", [n for n in ORDER if (ACTIVATIONS / f"{n}.ipynb").read_text().count("check_stability")])
def test_stability_range_in_the_text_is_the_one_the_hidden_cases_use(name):
    path = ACTIVATIONS / f"{name}.ipynb"
    text = _markdown(path)
    stated = {10.0 ** int(e) for e in re.findall(r"hasta \$(?:\\pm )?10\^(\d)\$", text)}
    biggest = max(float(np.max(np.abs(np.asarray(v, dtype=float))))
                  for code in _test_cells(path).values() for kw in _calls(_hidden(code), "check_stability")
                  for v in kw.get("values") or [])
    assert stated == {biggest}, (name, stated, biggest)
    assert not re.search(r"hasta 1000|\\ge 1000", text), name


@pytest.mark.parametrize("name", ORDER)
def test_every_backward_check_has_a_hidden_case_beyond_any_clip(name):
    """|x| up to 30 in float64 catches a backward that clips its input (SiLU clipped to [-10, 10])."""
    path = ACTIVATIONS / f"{name}.ipynb"
    for grade_id, code in _test_cells(path).items():
        if not grade_id.endswith("_backward"):
            continue
        scales = [kw.get("scale", 6.0) for kw in _calls(_hidden(code), "check_backward") if kw.get("shapes")]
        assert max(scales, default=0) >= 30.0, (name, grade_id, scales)


@pytest.mark.parametrize("name", ORDER)
def test_finite_differences_stay_where_they_are_accurate(name):
    """Central differences with h = 1e-6 keep their 1e-6 tolerance for |x| <= 6."""
    for code in _test_cells(ACTIVATIONS / f"{name}.ipynb").values():
        for kw in _calls(code, "check_numerical_gradient"):
            assert kw.get("scale", 6.0) <= 6.0, (name, kw)


def test_initialization_states_the_number_of_samples_its_tests_draw():
    path = SOURCE / "03-inicializacion" / "inicializacion.ipynb"
    initializers = {"xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal", "lecun_normal"}
    samples = 0
    for code in _test_cells(path).values():
        for node in ast.walk(ast.parse(code)):
            if (isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "check_task"
                    and ast.literal_eval(node.args[1]) in initializers):
                sizes = next(k.value for k in node.keywords if k.arg == "sizes")
                samples += len(ast.literal_eval(sizes))
    text = _markdown(path)
    assert f"Con las {samples} muestras que se califican" in text
    for check in ("curtosis", "reproducible", "media", "desviación típica"):
        assert check in text
    assert "con probabilidad menor que $10^{-6}$" not in text


def test_relu_grad_description_names_the_exact_zeros_its_cases_contain():
    from grader.checks.tasks import get_task
    z, _ = get_task("relu_grad").make_args((4, 5), np.random.default_rng(0), np.float64)
    assert np.any(z == 0.0)
    assert "cero exacto" in _markdown(SOURCE / "04-regla-de-la-cadena" / "regla-de-la-cadena.ipynb")


def test_notebooks_that_reuse_answers_say_errors_cascade():
    for path in (SOURCE / "03-inicializacion" / "inicializacion.ipynb",
                 SOURCE / "04-regla-de-la-cadena" / "regla-de-la-cadena.ipynb"):
        assert "**Errores encadenados.**" in _markdown(path), path.name
    assert "los errores se encadenan" in _markdown(ACTIVATIONS / "gelu.ipynb")


@pytest.mark.parametrize("path", sorted(p for p in SOURCE.glob("0[1-5]-*/*.ipynb")), ids=lambda p: p.stem)
def test_one_wording(path):
    text = _markdown(path)
    assert "et al." not in text                                     # citations: «y otros»
    assert not re.search(r"(?<![*`])\b[Tt]ransformers?\b(?![*`])", text)  # *transformer*, lower case
    assert "difusión** (*broadcasting*)" not in text and "sin difusión" not in text
    if "desviación típica" in text:                                  # glossed once, at its first use
        assert text.count("(o estándar)") == 1
        assert text.index("desviación típica") == text.index("desviación típica (o estándar)")


@pytest.mark.parametrize("name, wrong", [
    ("sigmoide", "se reduce al menos como $(1/4)^n$"),
    ("relu", "dominio acotado"),
    ("elu", "- Es suave: con $\\alpha = 1$"),
    ("identidad", "Las pruebas no pueden distinguir una copia"),
])
def test_corrected_statements_stay_corrected(name, wrong):
    assert wrong not in _markdown(ACTIVATIONS / f"{name}.ipynb")
