import subprocess


def pdf_text(content, tmp_path):
    """The text of a PDF (poppler's pdftotext), whitespace collapsed."""
    path = tmp_path / "file.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(out.stdout.split())
