"""A toolkit installed from a wheel finds its circular templates and font aliases (not only in a checkout)."""
from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_install_finds_the_bundled_templates(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "-w", str(wheels), str(ROOT)], check=True, capture_output=True, text=True)
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    wheel = next(wheels.glob("*.whl"))
    # `pip --python` installs into the new environment only (a plain --prefix install would first uninstall the
    # toolkit from the environment running the tests)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    "--no-index", str(wheel)], check=True, capture_output=True, text=True)
    probe = ("import toolkit.workspace as w, toolkit\n"
             "print(w.BUNDLED_TEMPLATES)\nprint(w.bundled('scripts/fonts-gongwen.conf'))\nprint(toolkit.__file__)")
    result = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, cwd=str(tmp_path),
                            check=True)
    templates, fonts, package = (Path(line) for line in result.stdout.splitlines())
    assert str(package).startswith(str(env_dir))           # the installed copy, not the checkout
    assert templates.is_relative_to(env_dir) and fonts.is_relative_to(env_dir)
    for kind in ("周盘点", "旬推进", "月调度", "完成情况报告", "督办通知单"):
        assert (templates / f"{kind}.docx").read_bytes() == (ROOT / "templates" / f"{kind}.docx").read_bytes()
    assert fonts.is_file()
