"""grader: the trusted checks that the course's test cells call, and the instructor's pipeline.

Test cells import only what is exported here; see README.md for the layout.
"""

from .compare import assert_close, check_array
from .errors import CheckFailed
from .gradients import numerical_gradient, relative_error
from .layer_checks import (check_backward, check_forward, check_function, check_numerical_gradient,
                           check_stability)
from .task_checks import check_task
from .plotting import plot_function_and_derivative, plot_reference
from .special import erf

__all__ = [
    "CheckFailed", "assert_close", "check_array", "numerical_gradient", "relative_error",
    "check_function", "check_task", "check_forward", "check_backward", "check_numerical_gradient", "check_stability",
    "plot_function_and_derivative", "plot_reference", "erf",
]
