"""The admin import wizard's uploads, kept by the import services between
the preview and the confirmation under a token: used once, never a path
outside their folder, a stale or tampered token a clear error."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from opportunities.importer import ImportFileError
from opportunities.models import Opportunity
from opportunities.services.imports import (
    ImportUploadExpired,
    ImportUploadNotOurs,
    import_upload_confirm,
    import_upload_discard,
    import_upload_path,
    import_upload_preview,
    import_upload_store,
)

from .test_import import messy_workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def upload(tmp_path, learner_types):
    path = messy_workbook(tmp_path / "database.xlsx")
    return SimpleUploadedFile("database.xlsx", Path(path).read_bytes())


class TestImportUploads:
    def test_a_stored_upload_is_previewed_then_imported_once(self, upload, staff):
        token = import_upload_store(file=upload)
        assert import_upload_path(token=token).exists()
        preview = import_upload_preview(token=token)
        assert preview.counts["create"] == 5 and not preview.applied
        assert not Opportunity.objects.exists()
        report = import_upload_confirm(token=token, publish=False, user=staff)
        assert report.applied and Opportunity.objects.filter(is_published=False).count() == 5
        assert not import_upload_path(token=token).exists()
        with pytest.raises(ImportUploadExpired, match="upload the file again"):
            import_upload_confirm(token=token, publish=True, user=staff)

    @pytest.mark.parametrize("token", ["../../settings", "0" * 31, "A" * 32, "", None, "0" * 32 + "/"])
    def test_a_token_that_is_not_ours_forms_no_path(self, token, staff):
        with pytest.raises(ImportUploadNotOurs):
            import_upload_path(token=token)
        with pytest.raises(ImportUploadNotOurs):
            import_upload_confirm(token=token, publish=True, user=staff)

    def test_an_unreadable_upload_is_deleted_by_its_preview(self, learner_types):
        token = import_upload_store(file=SimpleUploadedFile("data.xlsx", b"not a workbook"))
        with pytest.raises(ImportFileError, match="cannot be read"):
            import_upload_preview(token=token)
        assert not import_upload_path(token=token).exists()

    def test_a_discarded_upload_has_expired(self, upload, staff):
        token = import_upload_store(file=upload)
        import_upload_discard(token=token)
        import_upload_discard(token=token)  # twice is fine
        with pytest.raises(ImportUploadExpired):
            import_upload_preview(token=token)
        assert not Opportunity.objects.exists()
