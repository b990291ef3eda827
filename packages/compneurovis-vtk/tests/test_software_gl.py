"""llvmpipe's render threads beside a simulation: one core is left to it, unless the user chose."""

from __future__ import annotations

import os

from compneurovis.vtk import THREADS_VARIABLE, leave_a_core_for_the_simulation


def test_llvmpipe_gets_one_thread_fewer_than_the_cores_and_at_least_one(monkeypatch):
    monkeypatch.delenv(THREADS_VARIABLE, raising=False)
    leave_a_core_for_the_simulation()
    assert int(os.environ[THREADS_VARIABLE]) == max(1, len(os.sched_getaffinity(0)) - 1)


def test_a_users_own_setting_is_kept(monkeypatch):
    monkeypatch.setenv(THREADS_VARIABLE, "7")
    leave_a_core_for_the_simulation()
    assert os.environ[THREADS_VARIABLE] == "7"
