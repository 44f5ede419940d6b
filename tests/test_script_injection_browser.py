"""Issue 17.3: a planted <script> and <img> reach nothing, in the student's feedback page and in formgrader.

The hostile batch (tests/hostile.py) has a student, ``script_injection``, whose right answer also
displays HTML and JavaScript, and who added a markdown heading holding the same HTML: a script that
marks the page and calls a listener on 127.0.0.1, and an image loaded from it. Debian's headless
Chromium opens that student's feedback page and formgrader's rendering of the graded notebook (with
the HTML output put back, as plain nbgrader would keep it): no script may run, the listener must get
no connection. A control page with the same HTML, unsanitized, shows both would be detected.
"""

from __future__ import annotations

import json
import socket
import threading
import time

import nbformat
import pytest

from .hostile import ASSIGNMENT, NOTEBOOK, planted
from .test_feedback_browser import chromium_driver
from .test_html_safety import formgrader_page

pytestmark = pytest.mark.slow
STUDENT = "script_injection"
CSP = """<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">"""


class _Listener(threading.Thread):
    """Counts connections to 127.0.0.1:port, closing each at once (so that no page load waits on it)."""

    def __init__(self, port: int):
        super().__init__(daemon=True)
        self.socket = socket.socket()
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", port))        # the port the planted HTML calls
        self.socket.listen(16)
        self.socket.settimeout(0.1)
        self.count, self.done = 0, threading.Event()

    def run(self):
        while not self.done.is_set():
            try:
                self.socket.accept()[0].close()
                self.count += 1
            except OSError:
                pass
        self.socket.close()


def _visit(driver, path) -> dict:
    """What the page did: whether a planted script ran, its title, the first element of <head>."""
    from selenium.common.exceptions import TimeoutException
    try:
        driver.get(path.as_uri())
    except TimeoutException:                          # formgrader's page asks a CDN for MathJax
        pass
    for _ in range(50):
        if driver.execute_script("return document.readyState") == "complete":
            break
        time.sleep(0.1)
    time.sleep(0.5)                                   # let any request a script or image started go out
    return driver.execute_script(
        "return {pwned: window.pwned === undefined ? null : window.pwned, title: document.title,"
        " head: document.head.firstElementChild ? document.head.firstElementChild.outerHTML : ''}")


@pytest.fixture(scope="module")
def visits(hostile, tmp_path_factory):
    folder = tmp_path_factory.mktemp("pages")
    course = hostile.course
    feedback = course / "feedback" / STUDENT / ASSIGNMENT / f"{NOTEBOOK}.html"
    graded = nbformat.read(course / "autograded" / STUDENT / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    formgrader = folder / "formgrader.html"
    formgrader.write_text(formgrader_page(graded, course), encoding="utf-8")
    answer = next(c for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "sigmoid_layer")
    answer.outputs = [nbformat.v4.new_output("display_data", data={"text/html": planted(hostile.port)}),
                      nbformat.v4.new_output("display_data", data={"application/javascript": "window.pwned = 3"})]
    with_outputs = folder / "formgrader-plain-nbgrader.html"
    with_outputs.write_text(formgrader_page(graded, course), encoding="utf-8")
    control = folder / "control.html"
    control.write_text(f"<!DOCTYPE html><html><head><title>t</title></head><body>{planted(hostile.port)}</body></html>")

    listener = _Listener(hostile.port)
    listener.start()
    driver = chromium_driver()
    driver.set_page_load_timeout(20)
    result = {}
    try:
        for name, path in [("feedback", feedback), ("formgrader", formgrader), ("plain", with_outputs)]:
            result[name] = _visit(driver, path)
        result["connections"] = listener.count
        result["control"] = _visit(driver, control)
        result["control_connections"] = listener.count - result["connections"]
    finally:
        driver.quit()
        listener.done.set()
        listener.join()
    result["feedback_html"] = feedback.read_text(encoding="utf-8")
    return result


def test_the_control_page_would_be_caught(visits):
    assert visits["control"]["pwned"] is not None and visits["control"]["title"] == "pwned"
    assert visits["control_connections"] >= 1


@pytest.mark.parametrize("page", ["feedback", "formgrader", "plain"])
def test_no_planted_script_runs(visits, page):
    assert visits[page]["pwned"] is None and visits[page]["title"] != "pwned", visits[page]


def test_the_listener_received_nothing(visits):
    assert visits["connections"] == 0


def test_the_feedback_page_starts_with_its_content_security_policy(visits):
    head = visits["feedback"]["head"]
    assert head.startswith("<meta") and "Content-Security-Policy" in head
    assert "default-src 'none'; style-src 'unsafe-inline'; img-src data:" in head
    assert "<script" not in visits["feedback_html"]


def test_the_students_heading_is_not_in_the_outline(hostile):
    page = hostile.feedback[STUDENT]
    assert "Mis pruebas" not in page and "Pruebas de forward" in page


def test_autograded_keeps_no_active_output_of_student_cells(hostile):
    nb = json.loads((hostile.course / "autograded" / STUDENT / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text())
    kinds = {kind for c in nb["cells"] if c["cell_type"] == "code" and not c["metadata"].get("nbgrader", {}).get("grade")
             for o in c.get("outputs", []) for kind in o.get("data", {})}
    assert kinds <= {"text/plain", "image/png", "image/jpeg", "image/gif"}, kinds
    assert "text/plain" in kinds          # the display calls ran; only their active parts were dropped
