"""The kernel side: everything a student's kernel imports when a test cell calls ``grader.check_*``.

Checks observe the student's code (in a grading kernel) or observe and judge it
(at home); the same ``verify`` functions judge in the clean scorer. Nothing here
imports ``grader.grading`` or ``grader.authoring`` (tests/test_layout.py).
"""
