"""A file of any size is kept only up to the bound of a request's other data (config.uploads),
wherever it is posted: nothing past the bound is held in memory or written to disk."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from config.uploads import upload_bound


def test_a_ten_megabyte_file_is_kept_to_one_byte_past_the_bound():
    request = RequestFactory().post(
        "/accounts/login/", {"file": SimpleUploadedFile("big.csv", b"x" * 10_000_000)}
    )
    upload = request.FILES["file"]
    assert upload.size == upload_bound() + 1
    assert len(upload.read()) == upload_bound() + 1


def test_a_file_within_the_bound_is_kept_whole_and_the_other_fields_too():
    content = bytes(range(256)) * 4000  # 1 MB
    request = RequestFactory().post(
        "/", {"file": SimpleUploadedFile("a.csv", content), "chosen_by": "file"}
    )
    assert request.FILES["file"].read() == content
    assert request.POST["chosen_by"] == "file"


def test_each_file_has_its_own_bound():
    files = [SimpleUploadedFile(f"{n}.csv", bytes([n]) * 3_000_000) for n in (1, 2)]
    request = RequestFactory().post("/", {"file": files})
    assert [upload.size for upload in request.FILES.getlist("file")] == [upload_bound() + 1] * 2
