"""Plan → HTML (one self-contained file), Markdown, or JSON.

Device-controlled text is escaped for the output format: Jinja2 autoescapes HTML; Markdown output
escapes Markdown syntax and shows evidence as code spans; guide text is our own and rendered as is.
"""

from __future__ import annotations

import dataclasses
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from techcheck.messages import Messages
from techcheck.plan.build import Plan

TEMPLATES = Path(__file__).parent / "templates"
# Inline Markdown that device text could use to format, link or inject HTML. Characters that matter only
# at the start of a line (digits + ".", "-", "+") are harmless inside a sentence and stay readable.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>!|~#])")


def md_escape(value: object) -> str:
    return _MD_SPECIAL.sub(r"\\\1", str(value))


def md_code(value: object) -> str:
    """A code span that the text cannot break out of, whatever backticks it holds."""
    text = str(value).replace("\n", " ")
    ticks = max((len(m) for m in re.findall(r"`+", text)), default=0) + 1
    fence = "`" * ticks
    return f"{fence} {text} {fence}"


@lru_cache(maxsize=1)
def _markdown() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def _env(autoescape: bool) -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=False,
    )
    env.filters["mdesc"] = md_escape
    env.filters["mdcode"] = md_code
    env.filters["seen_md"] = lambda item: item.render(md_escape, item.values.get("_missing", "?"))
    return env


def render_html(plan: Plan) -> str:
    from markupsafe import Markup

    t = Messages(plan.lang)
    md = _markdown()
    template = _env(True).get_template("plan.html.j2")
    return template.render(plan=plan, t=t, md=lambda text: Markup(md.render(text or "")))


def render_markdown(plan: Plan) -> str:
    t = Messages(plan.lang)
    text = _env(False).get_template("plan.md.j2").render(plan=plan, t=t)
    return re.sub(r"\n{3,}", "\n\n", text)


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if hasattr(value, "sections") and hasattr(value, "meta") and hasattr(value, "lang"):  # a Guide
            return {
                "id": value.id,
                "title": value.title,
                "checked_on": str(value.meta.get("checked_on", "")),
                "sources": list(value.meta.get("sources") or []),
            }
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def render_json(plan: Plan) -> str:
    return json.dumps({"schema": "techcheck/plan-1", **_jsonable(plan)}, indent=2, ensure_ascii=False) + "\n"


RENDERERS = {".html": render_html, ".htm": render_html, ".md": render_markdown, ".json": render_json}


def save_plan(plan: Plan, path: Path) -> None:
    """Write the plan in the format its file name asks for (a suffix in RENDERERS). Raises OSError."""
    from techcheck.paths import write_atomically

    write_atomically(path, RENDERERS[path.suffix.lower()](plan))


def show_plan(plan: Plan, console: Any) -> None:
    """The plan in the terminal (Markdown through rich): nothing is written."""
    from rich.markdown import Markdown

    console.print(Markdown(render_markdown(plan)))
