from django.db import connection
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from holders.roles import is_aasc_staff, is_reviewer


def home_view(request):
    """Send each role to where its work is."""
    user = request.user
    if not user.is_authenticated:
        return render(request, "home.html")
    if is_reviewer(user):
        return redirect("cecs:review_queue")
    if is_aasc_staff(user) or user.is_staff:
        return redirect("admin:index")
    return redirect("dashboard")


@never_cache
def health_view(request):
    """Liveness for the load balancer: the app answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
