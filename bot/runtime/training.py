"""Training the Rasa model only when something that shapes it changed.

The model is named after a fingerprint of everything that goes into it: ``config.yml``,
``domain.yml``, the training data under ``data/``, the source of our NLU components, the
embedding model's weights and the Rasa version. An unchanged project reuses its model at
once; any change trains a new one (about a minute on 2 cores).
"""

from __future__ import annotations

import hashlib
import logging
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bot.embeddings import SentenceTransformerEmbedder, resolve_model_path
from bot.errors import RasaModelError, SentimentModelError
from bot.progress import PROGRESS_LINE
from bot.sentiment.training import embedder_for, sentiment_is_current
from bot.settings import Settings

logger = logging.getLogger(__name__)

#: Project files that shape the model, relative to the project folder.
TRAINING_INPUTS = ("config.yml", "domain.yml", "data")
#: Our Rasa components and the code they run: changing it can change the model (relative to
#: the folder the installed ``bot`` package is in).
COMPONENT_SOURCES = ("bot/rasa_server/nlu", "bot/intents", "bot/text.py", "bot/embeddings")
SOURCE_ROOT = Path(__file__).resolve().parents[2]


def rasa_executable() -> str:
    return str(Path(sys.executable).with_name("rasa"))


def training_fingerprint(settings: Settings, *, sources: Path = SOURCE_ROOT) -> str:
    """A hash of every input of ``rasa train`` (see the module docstring); ``sources``: where
    our component code is (the installed package's folder; a test may pass a copy)."""
    digest = hashlib.sha256()
    files: list[tuple[Path, Path]] = []  # (the folder it is named relative to, the file)
    # The project's data from the project folder; our components from the code that runs
    # them (the installed package), wherever the project folder is.
    for root, names in ((settings.home, TRAINING_INPUTS), (sources, COMPONENT_SOURCES)):
        for name in names:
            path = root / name
            if path.is_dir():
                found = (p for p in path.rglob("*") if p.suffix in {".yml", ".yaml", ".py"})
                files += [(root, p) for p in sorted(found) if p.is_file()]
            elif path.is_file():
                files.append((root, path))
            else:
                raise RasaModelError(
                    f"missing training input {path}", hint="run from the project folder"
                )
    for root, file in files:
        digest.update(file.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(file.read_bytes())
        digest.update(b"\0")
    embedder = SentenceTransformerEmbedder(resolve_model_path(settings.embedding_model))
    digest.update(embedder.model_id.encode())
    digest.update(_rasa_version().encode())
    return digest.hexdigest()[:20]


def model_file(settings: Settings, fingerprint: str) -> Path:
    return settings.rasa_models_dir / f"{fingerprint}.tar.gz"


def ensure_trained(settings: Settings, *, force: bool = False) -> Path:
    """The model for the current training inputs, training it first if needed."""
    fingerprint = training_fingerprint(settings)
    target = model_file(settings, fingerprint)
    if target.is_file() and not force:
        logger.info("Rasa model is up to date: %s", target.name)
        return target
    log_path = settings.logs_dir / "train.log"
    command = [
        rasa_executable(),
        "train",
        "--config", "config.yml",
        "--domain", "domain.yml",
        "--data", "data",
        "--out", str(settings.rasa_models_dir),
        "--fixed-model-name", fingerprint,
    ]  # fmt: skip
    logger.info("training the Rasa model (about a minute; log: %s)", log_path)
    started = time.monotonic()
    returncode = run_logged(command, settings, log_path)
    if returncode != 0 or not target.is_file():
        raise RasaModelError(
            f"rasa train failed (exit {returncode}):\n{tail(log_path)}",
            hint=f"see {log_path}",
        )
    logger.info("trained %s in %.0fs", target.name, time.monotonic() - started)
    _remove_old_models(settings, keep=target)
    return target


def ensure_sentiment_model(settings: Settings) -> None:
    """Train the built-in sentiment model if it is missing or stale (not for a checkpoint)."""
    if settings.sentiment_model is not None:
        return
    if sentiment_is_current(settings, embedder_for(settings)):
        logger.info("sentiment model is up to date")
        return
    log_path = settings.logs_dir / "sentiment_train.log"
    logger.info("training the sentiment model (about 5 minutes, once; log: %s)", log_path)
    returncode = run_logged(
        [supportbot_executable(), "sentiment", "train"],
        settings,
        log_path,
        relay=lambda line: logger.info("sentiment model, %s", line),
    )
    if returncode != 0:
        raise SentimentModelError(
            f"training the sentiment model failed (exit {returncode}):\n{tail(log_path)}",
            hint=f"see {log_path}",
        )


def supportbot_executable() -> str:
    return str(Path(sys.executable).with_name("supportbot"))


def run_logged(
    command: list[str],
    settings: Settings,
    log_path: Path,
    *,
    timeout: float | None = None,
    relay: Callable[[str], None] | None = None,
) -> int:
    """Run a build step as a child process (keeps torch out of the caller); its output goes to
    a log, and its progress lines (``bot.progress``) to ``relay`` as they come. After
    ``timeout`` seconds the child is killed and ``subprocess.TimeoutExpired`` raised."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with (
        log_path.open("w", encoding="utf-8") as log,
        subprocess.Popen(
            command,
            cwd=settings.home,
            env=settings.child_environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
        ) as child,
    ):
        expired = threading.Event()

        def kill() -> None:
            expired.set()
            child.kill()

        timer = threading.Timer(timeout, kill) if timeout is not None else None
        if timer is not None:
            timer.start()
        try:
            assert child.stdout is not None
            for line in child.stdout:
                log.write(line)
                if relay is not None and PROGRESS_LINE.search(line):
                    log.flush()
                    relay(line.strip())
            returncode = child.wait()
        finally:
            if timer is not None:
                timer.cancel()
    if expired.is_set():
        raise subprocess.TimeoutExpired(command, timeout or 0)
    return returncode


def tail(path: Path, lines: int = 15) -> str:
    """The last ``lines`` lines of a log file."""
    try:
        content = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return ""
    return "\n".join(content[-lines:])


def _remove_old_models(settings: Settings, *, keep: Path, keep_count: int = 3) -> None:
    """Keep the newest few models, and the serving and previous ones (for a quick switch
    back, see ``bot.retraining.registry``); delete the rest."""
    from bot.retraining.registry import ModelRegistry

    protected = {p.resolve() for p in ModelRegistry(settings).kept_files()} | {keep.resolve()}
    models = sorted(
        settings.rasa_models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True
    )
    for old in [m for m in models if m != keep][keep_count - 1 :]:
        if old.resolve() not in protected:
            old.unlink(missing_ok=True)


def _rasa_version() -> str:
    from importlib.metadata import version

    return f"rasa=={version('rasa')}"
