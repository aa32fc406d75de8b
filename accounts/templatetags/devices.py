from django import template

from accounts.user_agents import describe

register = template.Library()


@register.filter
def device(user_agent: str | None) -> str:
    """{{ session.user_agent|device }}: "Chrome sur Linux"."""
    return describe(user_agent)
