"""The feedback page as a student sees it: Debian's headless Chromium opens beto's report from the demo.

beto's sigmoid (demo/clase.toml) overflows in exp and ignores grad_output, so three of its four test
cells fail. The rendered text must carry each failing check's Spanish message and nothing of the
hidden tests, the page must be Spanish, and its screenshot must show something. The first failing
cell shows the plot of beto's layer against PyTorch's (grader.grading.feedback_plot), loaded from the
page itself; ana's correct answer has none. Never skipped: with
no Chromium the test fails (./run installs chromium and chromium-driver from Debian).
``FEEDBACK_SCREENSHOTS=docs/img`` also writes the README's images there.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from .course_data import COURSE
from .demo_course import run_demo

pytestmark = pytest.mark.slow   # grades notebooks, starts kernels or browsers

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
NOTEBOOK = ("beto", "05-activaciones", "sigmoide")
# What nbgrader's English feedback template and notices say; none of it may reach the page.
ENGLISH = ["Score", "Student's answer", "Grade cell", "Test cell", "Comments", "(Top)", "Late submission",
           "Coding free-response", "Written response", "No response", "was missing from the submission",
           "Traceback", "In [", "Out["]


def chromium_driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
    assert not missing, f"{missing} not found: apt-get install chromium chromium-driver (never a downloaded browser)"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--window-size=1000,1200"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


# Every image of the page: (loaded, natural width, alt text, id of the section it is in).
IMAGES = ("return Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.alt, "
          "i.closest('section') ? i.closest('section').id : '']);")


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """(course, rendered body text, <html lang>, full-page screenshot, images) of beto's feedback."""
    from selenium.webdriver.common.by import By
    course, proc = run_demo(tmp_path_factory)
    student, assignment, notebook = NOTEBOOK
    html = course / "feedback" / student / assignment / f"{notebook}.html"
    assert html.is_file(), proc.stdout + proc.stderr
    shot = tmp_path_factory.mktemp("screenshots") / "feedback.png"
    driver = chromium_driver()
    try:
        driver.get(html.as_uri())
        text = driver.find_element(By.TAG_NAME, "body").text
        lang = driver.find_element(By.TAG_NAME, "html").get_attribute("lang")
        images = driver.execute_script(IMAGES)
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1000, min(height, 4000))
        driver.save_screenshot(str(shot))
        driver.get((course / "feedback" / "ana" / assignment / f"{notebook}.html").as_uri())
        images_correct = driver.execute_script(IMAGES)
    finally:
        driver.quit()
    if os.environ.get("FEEDBACK_SCREENSHOTS"):
        _save_docs_images(Path(os.environ["FEEDBACK_SCREENSHOTS"]), shot, course)
    return course, text, lang, shot, (images, images_correct)


def _save_docs_images(folder: Path, shot: Path, course: Path) -> None:
    from PIL import Image
    folder.mkdir(parents=True, exist_ok=True)
    with Image.open(shot) as image:
        top = image.convert("RGB").crop((0, 0, image.width, min(image.height, 1500)))
        top.quantize(colors=128).save(folder / "feedback.png", optimize=True)    # a README image, kept small
    shutil.copy(course / "reports" / "summary.png", folder / "summary.png")


def autograded_cells(course: Path) -> dict:
    student, assignment, notebook = NOTEBOOK
    nb = json.loads((course / "autograded" / student / assignment / f"{notebook}.ipynb").read_text(encoding="utf-8"))
    return {c["metadata"]["nbgrader"]["grade_id"]: c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade")}


def hidden_lines() -> list[str]:
    """Every line inside a hidden-test region of the source notebook."""
    _, assignment, notebook = NOTEBOOK
    nb = json.loads((COURSE / "source" / assignment / f"{notebook}.ipynb").read_text(encoding="utf-8"))
    lines = []
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        for region in re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", source, re.S):
            lines += [line.strip() for line in region.splitlines() if line.strip()]
    return lines


def test_each_failing_check_shows_its_spanish_message(page):
    course, text, _, _, _ = page
    errors = {cell_id: [o["evalue"] for o in cell.get("outputs", []) if o["output_type"] == "error"]
              for cell_id, cell in autograded_cells(course).items()}
    failing = {cell_id for cell_id, messages in errors.items() if messages}
    assert failing == {"test_sigmoid_backward", "test_sigmoid_numerical_gradient", "test_sigmoid_stability"}
    for cell_id in failing:
        for message in errors[cell_id]:
            assert message in text, f"{cell_id}: {message!r} not on the page"
    # The score table on top: the total, each test cell's score and its failure kind in one line.
    assert "Puntuación: 2 / 6" in text
    for row in ["test_sigmoid_forward 2 / 2 ✓ Correcto.",
                "test_sigmoid_backward 0 / 2 ✗ El gradiente no coincide con PyTorch.",
                "test_sigmoid_stability 0 / 1 ✗ Inestable para valores grandes."]:
        assert row in text
    # Passing checks in one short line each, hidden ones without their data.
    assert "Correcto: Sigmoid.forward coincide con torch.nn.Sigmoid (pruebas ocultas)." in text


def test_no_hidden_test_reaches_the_page(page):
    _, text, _, _, _ = page
    for marker in ["BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "hidden=True", "CheckFailed", "Traceback"]:
        assert marker not in text
    lines = hidden_lines()
    assert len(lines) >= 4
    for line in lines:
        assert line not in text
    seeds = {seed for line in lines for seed in re.findall(r"seed=(\d+)", line)}
    assert seeds and all(not re.search(rf"\b{seed}\b", text) for seed in seeds), seeds


def test_the_page_is_in_spanish(page):
    _, text, lang, _, _ = page
    assert lang == "es"
    for spanish in ["Resultado de cada prueba", "Tu respuesta", "0 de 2 puntos", "volver al resumen"]:
        assert spanish in text
    assert [word for word in ENGLISH if word in text] == []


def test_the_screenshot_shows_the_page(page):
    from PIL import Image
    _, _, _, shot, _ = page
    with Image.open(shot) as image:
        rgb = image.convert("RGB")
        colours = rgb.getcolors(maxcolors=1 << 20)
        assert rgb.height > 1000 and rgb.width >= 900
    assert colours is not None and len(colours) > 50            # text, code colours, red and green boxes
    assert max(count for count, _ in colours) < 0.9 * rgb.width * rgb.height   # not one flat colour


def test_the_page_is_light_and_needs_no_network(page):
    course, _, _, _, _ = page
    student, assignment, notebook = NOTEBOOK
    html = (course / "feedback" / student / assignment / f"{notebook}.html").read_text(encoding="utf-8")
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", html)
    # nbgrader's own page was ~196 KB (Bootstrap inlined); each embedded plot is at most ~60 KB more.
    images = re.findall(r'src="data:image/png;base64,([^"]*)"', html)
    assert all(len(image) * 3 / 4 <= 60_000 for image in images)
    assert len(re.sub(r'src="data:image/png;base64,[^"]*"', "", html).encode()) < 60_000


def test_the_planted_mistake_is_plotted_and_the_correct_answer_is_not(page):
    from grader.checks.messages import TEXT
    _, text, _, _, (images, images_correct) = page
    # One picture, in the first failing cell, loaded by the browser from the page itself.
    assert [section for *_, section in images] == ["test_sigmoid_backward"]
    [(loaded, width, alt, _)] = images
    assert loaded and width > 300
    assert alt == TEXT["plot_alt"].format(what="Sigmoid", reference="torch.nn.Sigmoid")
    assert TEXT["plot_caption"].format(reference="torch.nn.Sigmoid", n=400, g=2)[:80] in text
    # The other failing cells (same mistake, same picture) point to it instead of repeating it.
    assert text.count(TEXT["plot_same"].format(cell="test_sigmoid_backward")) == 2
    assert images_correct == []


def test_the_known_mistake_is_named_and_a_right_answer_gets_no_diagnosis(page):
    """beto's backward ignores grad_output, a library misconception; ana's reference answer fails nothing."""
    from grader.authoring.batch import html_text
    from grader.checks.messages import DIAGNOSIS, TEXT
    course, text, _, _, _ = page
    assert TEXT["diagnosis"].format(cause=DIAGNOSIS["backward_no_grad_output"]) in text
    _, assignment, notebook = NOTEBOOK
    right = (course / "feedback" / "ana" / assignment / f"{notebook}.html").read_text(encoding="utf-8")
    assert "Correcto" in html_text(right) and "Diagnóstico" not in html_text(right)
