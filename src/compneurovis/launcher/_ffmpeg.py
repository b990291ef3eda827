"""An H.264 MP4 written by the ffmpeg that imageio-ffmpeg ships, fed raw RGB frames through a pipe."""

from __future__ import annotations

import subprocess
import tempfile
from fractions import Fraction
from pathlib import Path

import numpy as np

from ._discovery import LauncherError


class Mp4Writer:
    """Pipe ``(height, width, 3)`` uint8 frames into ffmpeg; `close` finalises the file.

    ffmpeg runs in its own session, so a Ctrl+C in the terminal reaches only
    us: we stop feeding it and close its input, and it writes a playable file.
    If ffmpeg fails, the error carries ffmpeg's own reason (its stderr).

    Args:
        path: MP4 file to write (replaced if it exists).
        size: ``(width, height)``; both even (H.264 with 4:2:0 chroma).
        fps: Frames per second.
    """

    def __init__(self, path: Path, size: tuple[int, int], fps: float) -> None:
        import imageio_ffmpeg

        self.path = path
        self.size = size
        rate = Fraction(fps).limit_denominator(1000)
        command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
                   "-f", "rawvideo", "-vcodec", "rawvideo", "-s", f"{size[0]}x{size[1]}", "-pix_fmt", "rgb24",
                   "-r", str(rate), "-i", "-", "-an", "-vcodec", "libx264", "-pix_fmt", "yuv420p", "-crf", "15",
                   "-movflags", "+faststart", str(path)]
        self._stderr = tempfile.TemporaryFile()
        self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                         stderr=self._stderr, start_new_session=True)
        self.frames = 0
        self._error: LauncherError | None = None

    def write(self, pixels: np.ndarray) -> None:
        """Append one frame.

        Raises:
            LauncherError: If the frame has the wrong shape, or ffmpeg has failed (with its reason).
        """
        width, height = self.size
        if pixels.shape != (height, width, 3) or pixels.dtype != np.uint8:
            raise LauncherError(f"frame {self.frames} is {pixels.shape} {pixels.dtype}, "
                                f"expected ({height}, {width}, 3) uint8")
        try:
            self._process.stdin.write(np.ascontiguousarray(pixels).data)  # type: ignore[union-attr]
        except OSError:  # ffmpeg exited: its stderr says why
            raise self._failure() from None
        self.frames += 1

    def close(self) -> None:
        """Finish the file (waits for ffmpeg).

        Raises:
            LauncherError: If ffmpeg failed, with its reason.
        """
        if self._process.stdin is not None and not self._process.stdin.closed:
            try:
                self._process.stdin.close()
            except OSError:
                pass
        code = self._process.wait()
        if code != 0:
            raise self._failure()
        self._stderr.close()

    def kill(self) -> None:
        """Stop ffmpeg without finishing the file (after another error)."""
        if self._process.poll() is None:
            self._process.kill()
        if self._process.stdin is not None and not self._process.stdin.closed:
            try:
                self._process.stdin.close()
            except OSError:
                pass
        self._process.wait()
        self._stderr.close()

    def _failure(self) -> LauncherError:
        if self._error is not None:
            return self._error
        try:
            code = self._process.wait(30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            code = self._process.wait()
        self._stderr.seek(0)
        reason = self._stderr.read().decode("utf-8", "replace").strip()
        self._stderr.close()
        lines = [ln for ln in reason.splitlines() if ln.strip()]
        detail = "; ".join(lines[-3:]) if lines else f"it exited with code {code} and said nothing"
        self._error = LauncherError(f"ffmpeg could not write {self.path}: {detail}")
        return self._error
