"""A student in a real browser: JupyterLab (and Notebook 7) with a release notebook.

Serves a copy of ``release/05-activaciones/sigmoide.ipynb`` on localhost and drives Debian's
headless Chromium through what a student does: open it, run everything, run the tests, read a
failure in Spanish, write an answer, run again, see every visible test pass, validate. Nothing
is downloaded: selenium gets Debian's chromedriver and chromium explicitly. Without them this
FAILS (./run installs them; a skipped browser test would prove nothing).

The screenshot for the README is written to ``docs/img/jupyterlab.png`` only when
``UPDATE_SCREENSHOT=1`` (so that running the tests leaves ``git status`` clean); every run
checks a fresh one is not blank, and that the committed one is not either.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from grader.checks.messages import KIND, TEXT

from .student_course import ASSIGNMENT, COURSE, NOTEBOOK, reference_answers

pytestmark = pytest.mark.slow   # grades notebooks, starts kernels or browsers

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
SCREENSHOT = COURSE / "docs" / "img" / "jupyterlab.png"
WAIT = 90   # seconds: an upper bound for any one step on a loaded 2-core machine, never a sleep
FAILURE = "CheckFailed: {}. {}".format(KIND["not_implemented"].capitalize(),
                                        TEXT["not_implemented"].format(what="Sigmoid.forward"))
PASSED = TEXT["passed"].split("{what}")[0]   # "Correcto: "
TESTS = {"forward": "grader.check_forward(Sigmoid", "backward": "grader.check_backward(Sigmoid",
         "numerical": "grader.check_numerical_gradient(Sigmoid", "stability": "grader.check_stability(Sigmoid"}


def test_chromium_and_chromedriver_are_installed():
    for program in (CHROMIUM, CHROMEDRIVER):
        assert Path(program).is_file(), f"{program} missing: apt-get install chromium chromium-driver"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """JupyterLab on a free localhost port with a token, serving a folder with one release notebook."""
    tmp = tmp_path_factory.mktemp("lab")
    root = tmp / "estudiante"
    root.mkdir()
    shutil.copyfile(COURSE / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", root / f"{NOTEBOOK}.ipynb")
    # A fresh Jupyter configuration, and no "get Jupyter news?" toast over the notebook.
    settings = tmp / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp / "config"), JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"),
               PYTHONPATH=os.pathsep.join(filter(None, [str(COURSE), os.environ.get("PYTHONPATH")])),
               PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    port, token = free_port(), secrets.token_hex(16)
    log = open(tmp / "jupyter.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={root}", "--LabApp.news_url=None"],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + WAIT
        while True:
            assert proc.poll() is None, (tmp / "jupyter.log").read_text()
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline, "JupyterLab did not start:\n" + (tmp / "jupyter.log").read_text()
                time.sleep(0.2)   # polling a port that is not open yet: nothing to wait on
        yield base, token, root
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def browser():
    test_chromium_and_chromedriver_are_installed()
    options = Options()
    options.binary_location = CHROMIUM
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-dev-shm-usage", "--window-size=1280,960"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


class Student:
    """What a student does in JupyterLab or Notebook 7, as DOM actions with explicit waits.

    The notebook re-renders cells while it loads and runs, so every step looks its elements up
    again, and a step that meets a stale or missing element waits and retries.
    """

    def __init__(self, driver, evidence: Path):
        self.driver, self.evidence = driver, evidence   # where a failed step leaves a screenshot
        self.wait = WebDriverWait(driver, WAIT, ignored_exceptions=(StaleElementReferenceException,
                                                                    NoSuchElementException))

    def until(self, condition, failure):
        """Wait for ``condition()``; on time-out fail with ``failure()``, computed then."""
        try:
            return self.wait.until(lambda _: condition())
        except TimeoutException:
            shot = self.evidence / "failed-step.png"
            self.driver.save_screenshot(str(shot))
            raise AssertionError(f"{failure() if callable(failure) else failure} (screenshot: {shot})") from None

    def status_bar(self) -> str:
        return self.driver.find_element(By.ID, "jp-main-statusbar").text

    def wait_kernel_idle(self):
        self.until(lambda: "| Idle" in self.status_bar(), lambda: f"the kernel is not idle: {self.status_bar()!r}")

    def menu(self, top: str, item: str):
        self.driver.find_element(By.XPATH, f"//div[contains(@class,'lm-MenuBar-itemLabel') and text()='{top}']").click()
        self.wait.until(EC.element_to_be_clickable((By.XPATH, (
            f"//li[contains(@class,'lm-Menu-item')][.//div[contains(@class,'lm-Menu-itemLabel') "
            f"and text()='{item}']]")))).click()

    # Text is read with textContent: cells scrolled out of view are not painted, so their visible
    # text (selenium's .text) is empty although they are there.
    def cell(self, text: str):
        """The code cell whose source contains ``text`` (NoSuchElementException if none yet)."""
        for cell in self.driver.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-CodeCell"):
            if text in cell.find_element(By.CSS_SELECTOR, ".jp-InputArea-editor").get_attribute("textContent"):
                return cell
        raise NoSuchElementException(f"no cell with {text!r}")

    def output(self, text: str) -> str:
        return "\n".join(o.get_attribute("textContent")
                         for o in self.cell(text).find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output"))

    def dialog(self) -> str:
        return "\n".join(d.text for d in self.driver.find_elements(By.CSS_SELECTOR, ".jp-Dialog"))

    def show(self, element):
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", element)

    def select(self, text: str):
        def click():
            cell = self.cell(text)
            self.show(cell)
            cell.find_element(By.CSS_SELECTOR, ".jp-InputPrompt").click()
            return True
        self.until(click, f"could not select the cell with {text!r}")

    def paste_into(self, text: str, source: str):
        """Select all of a cell's code and paste ``source`` over it, as a student pastes code."""
        editor = self.until(lambda: self.cell(text).find_element(By.CSS_SELECTOR, ".cm-content"),
                            f"no editor in the cell with {text!r}")
        self.show(editor)
        editor.click()
        ActionChains(self.driver).key_down(Keys.CONTROL).send_keys("a").key_up(Keys.CONTROL).perform()
        # The clipboard of a headless browser is not reachable: deliver the paste event directly.
        self.driver.execute_script(
            "const data = new DataTransfer(); data.setData('text/plain', arguments[1]);"
            "arguments[0].dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true}));",
            editor, source)


def is_not_blank(png: Path) -> bool:
    """Many colours and some contrast: a page that rendered, not a white or black frame."""
    from PIL import Image, ImageStat
    with Image.open(png) as image:
        rgb = image.convert("RGB")
        colours = rgb.getcolors(maxcolors=1 << 20) or []
        return len(colours) > 50 and max(ImageStat.Stat(rgb).stddev) > 20


def test_a_student_works_through_a_notebook_in_jupyterlab(server, browser, tmp_path):
    base, token, root = server
    student = Student(browser, tmp_path)
    browser.get(f"{base}/lab/tree/{NOTEBOOK}.ipynb?token={token}")
    student.until(lambda: browser.find_elements(By.CSS_SELECTOR, ".jp-NotebookPanel .jp-CodeCell"),
                  "JupyterLab did not show the notebook")
    student.wait_kernel_idle()

    # Run everything: the example cell calls the stub, so the run stops there.
    student.menu("Run", "Run All Cells")
    example = "capa = Sigmoid()"
    student.until(lambda: "NotImplementedError" in student.output(example),
                  lambda: f"the example cell did not raise NotImplementedError: {student.output(example)!r}")
    # Run the tests: the first visible one says in Spanish what is wrong.
    student.select(TESTS["forward"])
    student.menu("Run", "Run Selected Cell and All Below")
    student.until(lambda: FAILURE in student.output(TESTS["forward"]),
                  lambda: f"no {FAILURE!r} in the forward test's output: {student.output(TESTS['forward'])!r}")

    # Write the reference answer into the answer cell and run everything again.
    student.paste_into("class Sigmoid:", reference_answers()["sigmoid_layer"])
    student.until(lambda: "np.exp(-x[positive])" in student.cell("class Sigmoid:").get_attribute("textContent"),
                  "the answer was not written into the answer cell")
    student.menu("Run", "Run All Cells")
    for name, test in TESTS.items():
        student.until(lambda: student.output(test).startswith(PASSED + "Sigmoid"),
                      lambda: f"the {name} test did not pass: {student.output(test)!r}")
    student.wait_kernel_idle()

    student.show(student.until(lambda: student.cell(example), "the example cell vanished"))
    shot = tmp_path / "jupyterlab.png"
    browser.save_screenshot(str(shot))
    assert is_not_blank(shot)
    if os.environ.get("UPDATE_SCREENSHOT") == "1":
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)

    # nbgrader's Validate button saves the notebook and runs every test cell in a fresh kernel.
    browser.find_element(By.CSS_SELECTOR, ".validate-button").click()
    student.until(lambda: "Success! Your notebook passes all the tests." in student.dialog(),
                  lambda: f"Validate did not report success: {student.dialog()!r}")
    assert "np.exp(-x[positive])" in (root / f"{NOTEBOOK}.ipynb").read_text(encoding="utf-8")


def test_notebook_7_opens_the_same_notebook(server, browser, tmp_path):
    """Notebook 7's interface (``jupyter notebook``) is the same server's /notebooks/ route."""
    base, token, _ = server
    browser.get(f"{base}/notebooks/{NOTEBOOK}.ipynb?token={token}")
    student = Student(browser, tmp_path)
    student.until(lambda: browser.find_elements(By.CSS_SELECTOR, ".jp-NotebookPanel .jp-CodeCell"),
                  "Notebook 7 did not show the notebook")
    assert "/lab" not in browser.current_url
    # Run the first code cell (import grader) with the keyboard: the kernel answers.
    setup = "import grader"
    student.select(setup)
    ActionChains(browser).key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(Keys.SHIFT).perform()
    prompt = lambda: student.cell(setup).find_element(By.CSS_SELECTOR, ".jp-InputPrompt").get_attribute("textContent")  # noqa: E731
    student.until(lambda: prompt().strip("[]: ").isdigit(), lambda: f"the setup cell did not run: {prompt()!r}")
    assert not student.output(setup)   # no «No se encuentra el paquete «grader»…»
    student.until(lambda: browser.find_elements(By.CSS_SELECTOR, ".validate-button"),
                  "Notebook 7 has no Validate button")


def test_the_readme_screenshot_is_committed_and_not_blank():
    assert SCREENSHOT.is_file() and is_not_blank(SCREENSHOT)
    assert "img/jupyterlab.png" in (COURSE / "docs" / "estudiantes.md").read_text(encoding="utf-8")
