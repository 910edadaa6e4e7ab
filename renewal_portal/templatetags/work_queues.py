from django import template

from ..work_queues import work_queues

register = template.Library()


@register.inclusion_tag("admin/_work_queues.html", takes_context=True)
def work_queues_for_user(context):
    return {"queues": work_queues(user=context["request"].user)}
