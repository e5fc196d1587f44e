"""Uploads: a size cap, and files streamed to the data directory's scratch space.

A delivery is written to disk as it arrives (never held in the worker's memory beyond Django's
2.5 MB in-memory threshold) in `<data dir>/tmp/uploads`, on the same file system as the
chains' scratch directories, so handing it to ingestion is a rename, not a second copy.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload, TemporaryFileUploadHandler
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from keten.events import store


def upload_dir() -> Path:
    path = Path(settings.KETEN_DATA_DIR) / "tmp" / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def upload_refused(request) -> str:
    """The message for a request whose upload went past KETEN_MAX_UPLOAD, or ''."""
    if not getattr(request, "upload_too_large", False):
        return ""
    return _(
        "The file is larger than the %(cap)s this server accepts through the web. Send it "
        "gzipped, split it by period, or ask the administrator to load it with keten ingest."
    ) % {"cap": filesizeformat(settings.KETEN_MAX_UPLOAD)}


class UploadCap(FileUploadHandler):
    """Stop reading a request's files once they pass KETEN_MAX_UPLOAD; the rest is discarded
    unread into memory or disk, and the view tells the user why (see `upload_refused`)."""

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > settings.KETEN_MAX_UPLOAD:
            self.request.upload_too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


class _ScratchUploadedFile(TemporaryUploadedFile):
    def __init__(self, name, content_type, size, charset, content_type_extra=None):
        _, ext = os.path.splitext(name)
        file = tempfile.NamedTemporaryFile(suffix=".upload" + ext, dir=upload_dir())  # noqa: SIM115
        UploadedFile.__init__(self, file, name, content_type, size, charset, content_type_extra)


class ScratchFileUploadHandler(TemporaryFileUploadHandler):
    """Django's temporary-file handler, writing into the data directory instead of /tmp."""

    def new_file(self, *args, **kwargs):
        FileUploadHandler.new_file(self, *args, **kwargs)
        self.file = _ScratchUploadedFile(
            self.file_name, self.content_type, 0, self.charset, self.content_type_extra
        )


def save_upload(upload, chain) -> Path:
    """Put an uploaded file in the chain's scratch directory: moved when it is already on disk,
    written chunk by chunk when it is small enough to have stayed in memory."""
    handle = tempfile.NamedTemporaryFile(dir=store.work_dir(chain), prefix="upload-", delete=False)  # noqa: SIM115
    target = Path(handle.name)
    if isinstance(upload, TemporaryUploadedFile):
        handle.close()
        upload.file.flush()
        os.replace(upload.temporary_file_path(), target)
        return target
    with handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return target
