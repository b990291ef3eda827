"""`decode` raises only `SceneError` for any input, and so does `Scene.apply` for any update that decodes.

A hypothesis fuzz run in a child process.
"""

import json
import subprocess
import sys
from pathlib import Path

#: Hypothesis examples per strategy; the mutation strategy runs 40 cases per example.
EXAMPLES = 600


def test_decode_refuses_every_malformed_message_with_scene_error():
    child = Path(__file__).with_name("codec_fuzz_child.py")
    # a child process: a crash (segfault, abort) in decoding cannot take the test runner down
    result = subprocess.run([sys.executable, str(child), str(EXAMPLES)], capture_output=True, text=True,
                            timeout=300, cwd=child.parent, check=False)
    assert result.returncode == 0, result.stderr[-4000:]
    counts = json.loads(result.stdout.strip().splitlines()[-1])
    print("codec fuzz cases:", counts)
    assert sum(counts.values()) >= 20_000
    assert {"bit flips", "truncation/extension", "header JSON mutations", "garbage", "generated headers",
            "applied to a Scene"} <= set(counts)
