"""With a database server the service runs as several processes, maybe on several machines: each
making a key of its own would sign what the others refuse, so start-up fails without SECRET_KEY."""

import subprocess
import sys

PROBE = "import django; django.setup(); from django.conf import settings; print(len(settings.SECRET_KEY))"


def start(tmp_path, **environment: str) -> subprocess.CompletedProcess:
    env = {"DJANGO_SETTINGS_MODULE": "libread_tts.settings", "TTS_VAR_DIR": str(tmp_path), **environment}
    return subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60)


def test_start_up_with_a_database_url_and_no_secret_key_fails_loudly(tmp_path):
    started = start(tmp_path, DATABASE_URL="postgres://postgres@127.0.0.1:5432/libread_tts")

    assert started.returncode != 0
    assert "SECRET_KEY must be set when DATABASE_URL is" in started.stderr
    assert not (tmp_path / "secret_key").exists()


def test_with_a_secret_key_it_starts(tmp_path):
    started = start(tmp_path, DATABASE_URL="postgres://postgres@127.0.0.1:5432/libread_tts", SECRET_KEY="k" * 50)

    assert started.returncode == 0, started.stderr


def test_embedded_mode_makes_its_own_key_readable_by_its_owner_alone(tmp_path):
    started = start(tmp_path)

    assert started.returncode == 0, started.stderr
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
