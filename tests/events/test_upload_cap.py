"""Uploads: a configurable size cap with a clear message, streamed to disk in the data
directory and moved (not copied) into the chain's scratch directory."""

import os
import time

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile

from keten.conf.env import envsize
from keten.events.models import IngestBatch
from keten.events.uploads import ScratchFileUploadHandler, save_upload, upload_dir
from tests.events.conftest import A_EVENTS
from tests.events.test_deliveries_web import API, URL, api_client, partner_id

pytestmark = pytest.mark.django_db
BIG = A_EVENTS + "".join(f"k{n},aanmelding,2024-03-05 09:00:00\n" for n in range(3, 400))


def leftovers(chain):
    from keten.events.store import work_dir

    return sorted(p.name for p in [*upload_dir().iterdir(), *work_dir(chain).iterdir()])


def test_an_upload_past_the_cap_is_refused_with_the_cap_named_and_nothing_kept(client, personas, settings):
    settings.KETEN_MAX_UPLOAD = 4096
    assert len(BIG) > settings.KETEN_MAX_UPLOAD
    client.force_login(personas.analyst_a)
    response = client.post(
        URL, {"partner": partner_id(personas.chain, "a"), "file": SimpleUploadedFile("big.csv", BIG.encode())}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "4.0\xa0KB" in body and "keten ingest" in body
    assert not IngestBatch.objects.exists()
    assert leftovers(personas.chain) == []


def test_an_upload_under_the_cap_is_stored(client, personas, settings):
    settings.KETEN_MAX_UPLOAD = len(BIG) + 10
    client.force_login(personas.analyst_a)
    client.post(
        URL, {"partner": partner_id(personas.chain, "a"), "file": SimpleUploadedFile("big.csv", BIG.encode())}
    )
    assert IngestBatch.objects.get().rows_stored == BIG.count("\n") - 1


def test_the_api_answers_413_past_the_cap(personas, settings):
    settings.KETEN_MAX_UPLOAD = 4096
    response = api_client(personas.analyst_a).post(
        API, {"partner": "a", "file": SimpleUploadedFile("big.csv", BIG.encode())}, format="multipart"
    )
    assert response.status_code == 413
    assert "keten ingest" in response.json()["detail"]
    assert not IngestBatch.objects.exists()


def test_a_large_upload_streams_into_the_data_directory_and_is_moved_not_copied(client, personas, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100  # so this small file takes the on-disk path
    client.force_login(personas.analyst_a)
    client.post(
        URL, {"partner": partner_id(personas.chain, "a"), "file": SimpleUploadedFile("big.csv", BIG.encode())}
    )
    assert IngestBatch.objects.get().rows_stored == BIG.count("\n") - 1
    assert leftovers(personas.chain) == []

    handler = ScratchFileUploadHandler()
    handler.new_file("file", "big.csv", "text/csv", len(BIG))
    handler.receive_data_chunk(BIG.encode(), 0)
    upload = handler.file_complete(len(BIG))
    on_disk = upload.temporary_file_path()
    assert os.path.dirname(on_disk) == str(upload_dir())
    inode = os.stat(on_disk).st_ino
    target = save_upload(upload, personas.chain)
    assert os.stat(target).st_ino == inode and not os.path.exists(on_disk)
    assert target.read_text() == BIG
    upload.close()  # Django closes it after the request; the moved file must survive that
    assert target.exists()


def test_uploads_a_killed_worker_left_behind_are_removed_before_the_next_delivery(personas, a_csv):
    from keten.events.actions import ingest_file
    from keten.events.store import STALE_UPLOAD_HOURS

    old, fresh = upload_dir() / "tmpdead.upload.csv", upload_dir() / "tmplive.upload.csv"
    old.write_text("case_id,bsn\nk1,111222333\n")
    fresh.write_text("y")
    long_ago = time.time() - (STALE_UPLOAD_HOURS + 1) * 3600
    os.utime(old, (long_ago, long_ago))
    assert ingest_file(personas.chain, a_csv, partner="a").status == "stored"
    assert sorted(p.name for p in upload_dir().iterdir()) == ["tmplive.upload.csv"]


@pytest.mark.parametrize(
    ("raw", "expected"), [("512MB", 512 * 10**6), ("1GiB", 2**30), ("2 gb", 2 * 10**9), ("4096", 4096)]
)
def test_the_cap_reads_sizes_with_units(monkeypatch, raw, expected):
    monkeypatch.setenv("KETEN_MAX_UPLOAD", raw)
    assert envsize("KETEN_MAX_UPLOAD", "1MB") == expected


@pytest.mark.parametrize("raw", ["0", "lots", "5 parsecs", "-3MB"])
def test_the_cap_refuses_sizes_that_cannot_be_meant(monkeypatch, raw):
    monkeypatch.setenv("KETEN_MAX_UPLOAD", raw)
    with pytest.raises(ImproperlyConfigured, match="KETEN_MAX_UPLOAD"):
        envsize("KETEN_MAX_UPLOAD", "1MB")
