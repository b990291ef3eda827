"""The README's NEURON example works as written (NEURON imported before the window)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.mark.requires("neuron", "qt")
def test_readme_neuron_example_runs_with_neuron_imported_first(tmp_path):
    code = README.read_text().split("## A live NEURON session in a few lines")[1].split("```python")[1].split("```")[0]
    assert code.index("from neuron import h") < code.index("from compneurovis.qt import run_app")
    shot = tmp_path / "soma.png"
    script = tmp_path / "soma.py"
    script.write_text(code.replace("run_app(Soma)", f"run_app(Soma, screenshot={str(shot)!r}, after=0.5)"))
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, env=env,
                            check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.stat().st_size > 10_000


def test_every_picture_the_readme_and_the_docs_show_is_there():
    import re

    root = README.parent
    pages = [README, *sorted((root / "docs").rglob("*.md"))]
    shown = [(page, target) for page in pages
             for target in re.findall(r"!\[[^\]]*\]\(([^)\s]+\.png)\)", page.read_text(encoding="utf-8"))]
    assert any(page == README for page, _ in shown)  # the README carries a picture
    for page, target in shown:
        path = (page.parent / target).resolve()
        assert path.is_file() and path.read_bytes()[:4] == b"\x89PNG", f"{page.name}: {target} is missing"
