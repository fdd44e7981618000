"""The plan room: findings + guides → a Plan → HTML, Markdown or JSON."""

from techcheck.plan.build import Plan, build_plan
from techcheck.plan.render import RENDERERS, render_html, render_json, render_markdown, save_plan, show_plan

__all__ = [
    "RENDERERS",
    "Plan",
    "build_plan",
    "render_html",
    "render_json",
    "render_markdown",
    "save_plan",
    "show_plan",
]
