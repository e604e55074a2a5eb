"""Training Rasa NLU models from an export, in Rasa's own virtualenv.

Rasa 3.6 never shares the project's environment (deploy/README.md); its
``rasa`` command lives in ``.venv-rasa`` (or ``EHRENAMT_RASA_VENV``). A model
is trained again only when the exported project changed: the export's digest
is kept beside the model.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def rasa_venv() -> Path:
    return Path(os.environ.get("EHRENAMT_RASA_VENV") or PROJECT_ROOT / ".venv-rasa")


def rasa_command() -> Path:
    return rasa_venv() / "bin" / "rasa"


def rasa_env() -> dict[str, str]:
    """Quiet, offline and single-threaded enough for a shared machine."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)  # our code must not shadow Rasa's packages
    env.update(
        {
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "RASA_TELEMETRY_ENABLED": "false",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "PYTHONWARNINGS": "ignore",
        }
    )
    return env


def project_digest(project: Path) -> str:
    """What the model depends on: config, domain and training data (not the
    endpoints or credentials, which only ``rasa run`` reads)."""
    digest = hashlib.sha256()
    files = [project / "config.yml", project / "domain.yml", *(project / "data").rglob("*.yml")]
    for path in sorted(p for p in files if p.exists()):
        digest.update(str(path.relative_to(project)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def train(project: Path, models: Path, name: str, *, nlu_only: bool = True) -> tuple[Path, bool]:
    """Train ``models/<name>.tar.gz`` from ``project``; returns the model and
    whether it was trained now (False: unchanged project, model kept)."""
    project, models = project.resolve(), models.resolve()  # rasa runs inside the project
    models.mkdir(parents=True, exist_ok=True)
    model = models / f"{name}.tar.gz"
    stamp = models / f"{name}.sha256"
    digest = project_digest(project)
    if model.exists() and stamp.exists() and stamp.read_text().strip() == digest:
        return model, False
    command = [str(rasa_command()), "train"]
    if nlu_only:
        command += ["nlu", "--nlu", str(project / "data" / "nlu.yml")]
    else:
        command += ["--data", str(project / "data"), "--domain", str(project / "domain.yml")]
    command += [
        "--config", str(project / "config.yml"),
        "--out", str(models),
        "--fixed-model-name", name,
    ]  # fmt: skip
    subprocess.run(command, check=True, cwd=project, env=rasa_env())
    stamp.write_text(digest + "\n")
    return model, True
