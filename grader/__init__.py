"""grader: the trusted checks that the course's test cells call, and the instructor's pipeline.

The package is split by where its code runs:

* ``grader.checks``    — what a student's kernel imports (checks, comparisons, PyTorch references,
  messages, observations). It imports nothing from the other two parts.
* ``grader.grading``   — only the instructor's process: sandbox, kernels, scoring, nbgrader steps,
  feedback, LMS import, the command line. Masked inside every grading kernel.
* ``grader.authoring`` — the harness that grades catalogs of mistakes and batches of submissions.

Test cells import only what is exported here (``grader.check_forward``, ...).
"""

from .checks import references
from .checks.compare import assert_close, check_array
from .checks.errors import CheckFailed
from .checks.gradients import numerical_gradient, relative_error
from .checks.layer_checks import (check_backward, check_forward, check_function, check_numerical_gradient,
                                  check_stability)
from .checks.model_checks import (check_model_accumulation, check_model_backward, check_model_forward,
                                  check_model_init, check_model_numerical_gradient)
from .checks.plotting import plot_function_and_derivative, plot_reference
from .checks.task_checks import check_task
from .checks.training_checks import check_sgd_step, check_training_accuracy, check_training_steps
from .checks.special import erf

__all__ = [
    "CheckFailed", "assert_close", "check_array", "numerical_gradient", "relative_error",
    "check_function", "check_task", "check_forward", "check_backward", "check_numerical_gradient", "check_stability",
    "plot_function_and_derivative", "plot_reference", "references",
    "check_model_init", "check_model_forward", "check_model_backward", "check_model_accumulation",
    "check_model_numerical_gradient", "erf", "check_sgd_step", "check_training_steps", "check_training_accuracy",
]
