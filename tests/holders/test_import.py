import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from holders.models import HolderProfile

pytestmark = pytest.mark.django_db

HEADER = "member_number,first_name,last_name,email\n"


def write_csv(tmp_path, body, header=HEADER):
    path = tmp_path / "holders.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


def test_command_imports_rows_and_reports_a_summary(tmp_path, capsys):
    path = write_csv(
        tmp_path,
        "N0000001,Avery,Lopez,Avery.Lopez@Example.org\nN0000002,Sam,Ortiz,sam@example.org\n",
    )
    call_command("import_holders", str(path))
    assert "Imported: 2 new, 0 updated, 0 unchanged." in capsys.readouterr().out
    avery = HolderProfile.objects.get(member_number="N0000001")
    assert avery.email == "avery.lopez@example.org"
    assert avery.user is None


def test_imported_and_updated_holders_get_their_history_rows(tmp_path):
    call_command("import_holders", str(write_csv(tmp_path, "N0000001,Avery,Lopez,a@example.org\n")))
    call_command(
        "import_holders", str(write_csv(tmp_path, "N0000001,Avery,Lopez-Ruiz,a@example.org\n"))
    )
    profile = HolderProfile.objects.get()
    rows = list(profile.history.order_by("history_id"))
    assert [(row.history_type, row.last_name) for row in rows] == [
        ("+", "Lopez"),
        ("~", "Lopez-Ruiz"),
    ]
    assert {row.history_change_reason for row in rows} == {"imported from NAAEI's holder list"}


def test_reimport_updates_by_member_number_instead_of_duplicating(tmp_path, capsys):
    call_command("import_holders", str(write_csv(tmp_path, "N0000001,Avery,Lopez,a@example.org\n")))
    call_command(
        "import_holders", str(write_csv(tmp_path, "N0000001,Avery,Lopez-Ruiz,a@example.org\n"))
    )
    assert "0 new, 1 updated" in capsys.readouterr().out
    assert HolderProfile.objects.get().last_name == "Lopez-Ruiz"


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        ("N0000003,Kim,Park,not-an-email\n", "email: Enter a valid email address."),
        (",Kim,Park,kim@example.org\n", "member_number: This field is required."),
        ("N0000003,Kim,Park,FIRST@example.org\n", "email first@example.org repeats line 2"),
        ("N0000001,Kim,Park,kim@example.org\n", "member_number N0000001 repeats line 2"),
        ("N0000003,,Park,kim@example.org\n", "first_name: This field is required."),
    ],
)
def test_one_bad_row_imports_nothing_and_names_the_row(tmp_path, capsys, bad_row, message):
    body = "N0000001,Avery,Lopez,first@example.org\n" + bad_row
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_holders", str(write_csv(tmp_path, body)))
    errors = capsys.readouterr().err
    assert f"Row 3: {message}" in errors
    assert not HolderProfile.objects.exists()


def test_missing_column_is_reported(tmp_path):
    path = write_csv(
        tmp_path, "N1,Avery,a@example.org\n", header="member_number,first_name,email\n"
    )
    with pytest.raises(CommandError, match="Missing column"):
        call_command("import_holders", str(path))


def test_file_that_is_not_utf8_is_reported(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "N1,Zoë,Müller,z@example.org\n").encode("latin-1"))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_holders", str(path))
    assert not HolderProfile.objects.exists()


def test_staff_import_in_the_admin_previews_then_confirms(client, staff):
    client.force_login(staff)
    import_url = reverse("admin:holders_holderprofile_import")
    upload = SimpleUploadedFile(
        "holders.csv", (HEADER + "N0000009,Jo,Reyes,jo@example.org\n").encode(), "text/csv"
    )
    preview = client.post(import_url, {"import_file": upload, "format": "0", "resource": "0"})
    assert preview.status_code == 200
    assert "jo@example.org" in preview.text
    assert not HolderProfile.objects.exists()  # a preview writes nothing

    confirm_form = preview.context["confirm_form"]
    confirm = client.post(
        reverse("admin:holders_holderprofile_process_import"),
        {name: field.initial for name, field in confirm_form.fields.items()} | confirm_form.initial,
    )
    assert confirm.status_code == 302
    assert HolderProfile.objects.get().member_number == "N0000009"


def test_holders_cannot_reach_the_import(client, holder):
    client.force_login(holder.user)
    response = client.get(reverse("admin:holders_holderprofile_import"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_an_email_that_belongs_to_another_holder_is_refused(tmp_path, capsys):
    HolderProfile.objects.create(
        member_number="N0000009", first_name="Jo", last_name="Reyes", email="jo@example.org"
    )
    path = write_csv(tmp_path, "N0000001,Avery,Lopez,JO@example.org\n")
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_holders", str(path))
    assert "Row 2: email jo@example.org belongs to another holder" in capsys.readouterr().err


def test_a_full_list_of_100000_rows_with_one_bad_row_imports_nothing(tmp_path, capsys):
    rows = "".join(f"N{n:07d},First,Last,holder{n}@example.org\n" for n in range(100_000))
    path = write_csv(tmp_path, rows + "N9999999,Broken,Row,not-an-email\n")
    with pytest.raises(CommandError, match="1 problem\\(s\\) in 100001 row\\(s\\)"):
        call_command("import_holders", str(path))
    assert "Row 100002: email: Enter a valid email address." in capsys.readouterr().err
    assert not HolderProfile.objects.exists()


def test_a_full_list_of_100000_rows_imports_in_bulk(
    tmp_path, capsys, django_assert_max_num_queries
):
    rows = "".join(f"N{n:07d},First,Last,holder{n}@example.org\n" for n in range(100_000))
    with django_assert_max_num_queries(60):
        call_command("import_holders", str(write_csv(tmp_path, rows)))
    assert "Imported: 100000 new, 0 updated, 0 unchanged." in capsys.readouterr().out
    assert HolderProfile.objects.count() == 100_000
