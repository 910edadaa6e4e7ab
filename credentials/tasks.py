from celery import shared_task


@shared_task(name="credentials.refresh_statuses")
def credential_statuses_refresh_task():
    """Daily: due → in grace → lapsed, following the current cycle's dates."""
    from .selectors import current_cycle
    from .services import credential_statuses_refresh

    cycle = current_cycle()
    if cycle is None:
        return {}
    return credential_statuses_refresh(cycle=cycle)
