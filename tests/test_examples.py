"""The examples run, and check what they claim (each script asserts its own numbers)."""

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_the_lecture_runs_and_its_chain_rule_agrees_with_uat_and_finite_differences():
    run = subprocess.run([sys.executable, str(EXAMPLES / "lecture.py")], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    for heading in ("1. A neuron", "2. Forward propagation", "3. Backpropagation", "4. Kutyniok", "5. The theorem", "6. Depth"):
        assert heading in out
    assert "W[1] is (5, 4)" in out and "W[2] is (3, 5)" in out and "43 parameters" in out
    rows = [line.split() for line in out.splitlines() if line.startswith("∂L/∂")]
    assert [row[0] for row in rows] == ["∂L/∂w2", "∂L/∂b2", "∂L/∂w1", "∂L/∂b1"]
    for _, chain, by_uat, central in rows:
        assert abs(float(chain) - float(by_uat)) <= 1e-9 and abs(float(chain) - float(central)) <= 1e-8
