"""A wheel carries everything ``crmkit run`` needs: notebooks, strategy table, report template.

The wheel is installed into a fresh virtual environment whose only other packages are this
environment's third-party ones (a path entry, so this checkout's editable crmkit is not seen;
their data files via JUPYTER_PATH),
and ``crmkit run`` runs every stage on the bundled sample from a folder outside the checkout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


@pytest.mark.notebook
def test_wheel_installs_and_runs_the_sample(tmp_path: Path) -> None:
    build = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                  str(tmp_path / "dist"), str(ROOT)])
    assert build.returncode == 0, build.stderr
    wheel = next((tmp_path / "dist").glob("crmkit-*.whl"))

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    py = env_dir / "bin" / "python"
    site = Path(_run([str(py), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]
                     ).stdout.strip())
    (site / "_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    inst = _run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps",
                 "-q", str(wheel)])
    assert inst.returncode == 0, inst.stderr

    work = tmp_path / "work"
    shutil.copytree(ROOT / "data" / "sample", work / "data" / "sample")
    params = yaml.safe_load((ROOT / "parameters" / "sample.yaml").read_text(encoding="utf-8"))
    (work / "parameters").mkdir()
    (work / "parameters" / "sample.yaml").write_text(
        yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRMKIT_", "PYTHON"))}
    # the borrowed third-party packages keep their data files (nbconvert's base templates) in
    # this environment's share/jupyter, where a real install of them would put them
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    where = _run([str(py), "-c", "import crmkit; print(crmkit.__file__)"], cwd=work, env=env)
    assert str(site) in where.stdout, where.stdout + where.stderr

    done = _run([str(env_dir / "bin" / "crmkit"), "run", "parameters/sample.yaml"], cwd=work,
                env=env, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = work / "outputs" / "sample" / params["as_of"].isoformat() / "report"
    assert {p.suffix for p in report.iterdir()} >= {".html", ".pdf", ".xlsx"}
