import threading

from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

_per_thread = threading.local()


def font_config():
    """One font configuration per thread (Pango's font map is not thread-safe): WeasyPrint
    otherwise sets up fontconfig and the font map again for every document, a third of a
    certificate's render time (bench/results.md). The PDFs are byte-for-byte the same and
    memory stays flat over thousands of renders."""
    if not hasattr(_per_thread, "font_config"):
        _per_thread.font_config = FontConfiguration()
    return _per_thread.font_config


def render_pdf(template_name, context):
    """Render a template under templates/pdf/ to PDF bytes with WeasyPrint."""
    html = render_to_string(template_name, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(font_config=font_config())
