"""Ctrl+C on `serve`: the first stops the session between two steps, a second interrupts at once."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

from compneurovis.core import read_recording

CHILD = textwrap.dedent("""
    import functools, signal, sys, time
    from compneurovis.core import RecordingSession, serve

    signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal: a background job ignores Ctrl+C
    from compneurovis.core.examples.fitzhugh_nagumo import FitzHughNagumoCable

    class SlowSteps(FitzHughNagumoCable):
        def advance(self):
            print("step", flush=True)
            for _ in range(300):  # Ctrl+C arrives in here; Python runs its handler between two short sleeps
                time.sleep(0.01)  # (a signal that lands just before one long sleep waits for its end)
            super().advance()
            print("stepped", flush=True)

    try:
        serve(functools.partial(RecordingSession, SlowSteps, sys.argv[1]), on_ready=lambda url: print(url, flush=True))
    except KeyboardInterrupt:
        print("KeyboardInterrupt", flush=True)
""")


def _interrupt(tmp_path, times: int) -> tuple[list[str], str]:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    recording = tmp_path / "run.cnvrec"
    proc = subprocess.Popen([sys.executable, str(script), str(recording)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().startswith("tcp://127.0.0.1:")
        assert proc.stdout.readline() == "step\n"
        proc.send_signal(signal.SIGINT)
        heard = proc.stderr.readline()
        assert heard == "compneurovis: stopping after this step (Ctrl+C again to stop at once)\n", heard
        if times == 2:  # only once the first was heard: two signals close together reach Python's handler as one
            proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
        proc.communicate()
    assert proc.returncode == 0, err
    return out.split(), str(recording)


def test_a_first_ctrl_c_ends_the_step_under_way_then_stops_and_the_recording_is_whole(tmp_path):
    lines, path = _interrupt(tmp_path, 1)
    assert lines == ["stepped", "KeyboardInterrupt"]  # the step finished, no new one began
    recording = read_recording(path)
    assert recording.complete and recording.damage is None


def test_a_second_ctrl_c_interrupts_the_step_at_once_and_the_recording_still_opens(tmp_path):
    lines, path = _interrupt(tmp_path, 2)
    assert lines == ["KeyboardInterrupt"]
    recording = read_recording(path)  # the Scene and what was written before stay readable
    assert recording.scene.fields
