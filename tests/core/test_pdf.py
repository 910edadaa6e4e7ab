"""PDFs share one WeasyPrint font configuration per thread."""

import threading

from core.pdf import font_config, render_pdf
from tests.pdf import pdf_text

CONTEXT = {"holder": {"full_name": "Ana Ruiz"}, "year": 2026, "entries": [], "total": 0}


def test_each_document_reuses_the_threads_font_configuration(db, tmp_path):
    first = render_pdf("pdf/transcript.html", CONTEXT)
    config = font_config()
    second = render_pdf("pdf/transcript.html", CONTEXT)
    assert font_config() is config
    assert pdf_text(first, tmp_path) == pdf_text(second, tmp_path)
    assert "Ana Ruiz" in pdf_text(second, tmp_path)


def test_threads_render_side_by_side_each_with_its_own_configuration(db, tmp_path):
    configs, documents = {}, {}

    def render(name):
        documents[name] = render_pdf("pdf/transcript.html", CONTEXT)
        configs[name] = font_config()

    threads = [threading.Thread(target=render, args=(name,)) for name in ("a", "b", "c")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(config) for config in configs.values()}) == 3
    assert {pdf_text(document, tmp_path) for document in documents.values()} == {
        pdf_text(render_pdf("pdf/transcript.html", CONTEXT), tmp_path)
    }
