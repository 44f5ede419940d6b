"""nbgrader settings for a JupyterHub that serves this course: copy to /etc/jupyter/nbgrader_config.py.

Every student's and the instructor's server reads that file: it names the course and the
exchange folder through which release_assignment, fetch_assignment, submit and collect pass
the notebooks (README, "Handing in on a JupyterHub"). tests/test_exchange.py uses this file.
"""

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "fundamentos-dl"   # the same as the course's nbgrader_config.py
c.Exchange.root = "/srv/nbgrader/exchange"       # shared by everyone; nbgrader sets its permissions

# Validate (button or `nbgrader validate`): do not cut the checks' Spanish messages at 90 characters.
c.Validator.width = 300
