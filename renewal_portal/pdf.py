from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import HTML


def render_pdf(template_name, context):
    """Render a template under templates/pdf/ to PDF bytes with WeasyPrint."""
    html = render_to_string(template_name, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
