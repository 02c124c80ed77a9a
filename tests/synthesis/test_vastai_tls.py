"""An HTTPS worker is trusted through Vast's root certificate, fetched once, as Vast's SDK does."""

import pytest

from engines import vastai as vastai_engine
from engines.base import Batch, BatchVoice, SegmentText, TransientEngineError
from tests.support.certificates import authority_and_worker
from tests.support.worker_tap import WorkerTap

pytestmark = pytest.mark.django_db

BATCH = Batch([SegmentText(0, "Over TLS, please.")], "english", BatchVoice("ryan"), seed=4)


@pytest.fixture
def https_worker(vast, tmp_path, settings):
    """The real PyWorker behind TLS with a certificate signed by a Vast-like root."""
    root, server_context = authority_and_worker(tmp_path)
    vast.fake.root_certificate = root
    settings.VAR_DIR = tmp_path
    vastai_engine._ssl_context = None
    tls = WorkerTap(vast.fake.worker_url, ssl_context=server_context).start()
    plain_url, vast.fake.worker_url = vast.fake.worker_url, tls.url
    yield tls
    vast.fake.worker_url = plain_url
    vastai_engine._ssl_context = None
    tls.stop()


def test_an_https_worker_signed_by_the_vast_root_is_trusted(vast, https_worker):
    result = vastai_engine.VastaiEngine().synthesize(BATCH)

    assert result.segments[0].wav
    assert result.call.worker_url.startswith("https://127.0.0.1:")
    assert len(https_worker.synthesis_requests()) == 1


def test_the_root_certificate_is_fetched_once_and_kept(vast, https_worker, tmp_path):
    engine = vastai_engine.VastaiEngine()

    engine.synthesize(BATCH)
    vastai_engine._ssl_context = None  # a new process: only the file in var/ remains
    engine.synthesize(BATCH)

    assert vast.fake.console_calls.count("/static/jvastai_root.cer") == 1
    assert (tmp_path / "jvastai_root.cer").read_bytes() == vast.fake.root_certificate


def test_an_https_worker_signed_by_another_authority_is_refused(vast, https_worker, tmp_path, settings):
    other = tmp_path / "other"
    other.mkdir()
    vast.fake.root_certificate, _ = authority_and_worker(other)
    settings.VASTAI_MAX_RETRIES = 0

    with pytest.raises(TransientEngineError, match="TLS certificate could not be verified"):
        vastai_engine.VastaiEngine().synthesize(BATCH)
    assert https_worker.synthesis_requests() == []
