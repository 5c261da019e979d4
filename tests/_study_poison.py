"""A task function for tests/test_study.py that kills its worker on some tasks (importable by spawned workers)."""

import os

from uat.study.runner import run_task


def run_or_die(task):
    if task.target == "abs" and task.replicate == 0:
        os._exit(3)  # the worker process dies: the pool breaks
    return run_task(task)
