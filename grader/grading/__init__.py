"""The instructor's side: release, sandboxed kernels, clean scoring, nbgrader's steps, feedback, LMS import.

Never importable inside a grading kernel (the sandbox masks this folder), and
never imported by ``grader.checks``.
"""
