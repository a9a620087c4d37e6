"""How full each page of a report is, read off WeasyPrint's layout (issue 14: pagination).

`page_fill` lays out a report's HTML exactly as `render_pdf` does and measures, for every page,
the share of its content area (inside the margins) that the page's content reaches down to.
`short_pages` names the pages under a third full that nothing excuses: not the cover, not the
last page, not a page followed by a chapter that must start on its own page, and not a page
whose next one opens with a figure (a chart is never split, so a tall one moves whole).
"""

from dataclasses import dataclass
from itertools import pairwise

from weasyprint.formatting_structure import boxes

from app.reports.render import lay_out

# Chapters that start on a page of their own (report.css: `.chapter.major`).
OWN_PAGE_CHAPTERS = frozenset({"recommendations"})
MIN_FILL = 1 / 3


@dataclass(frozen=True)
class PageFill:
    number: int  # from 1
    fill: float  # 0..1 of the content area's height
    starts: frozenset[str]  # ids of the chapters that start on this page
    opens_with_figure: bool = False  # the page's first content is a figure
    top_chapter: str = ""  # id of the chapter the page's first content belongs to


def page_fill(html: str) -> list[PageFill]:
    document = lay_out(html)
    pages = []
    seen: set[str] = set()
    for number, page in enumerate(document.pages, start=1):
        box = page._page_box
        top, height = box.content_box_y(), box.height
        bottom, starts = top, set()
        first: str | None = None
        chapter, top_chapter = "", ""
        for child in box.children:
            if isinstance(child, boxes.MarginBox):
                continue
            for d in child.descendants():
                if d.style["position"] in ("fixed", "absolute"):
                    continue
                classes = (d.element.get("class") or "").split() if d.element is not None else []
                if d.element_tag == "section" and "chapter" in classes:
                    chapter = d.element.get("id") or ""
                if first is None and d.element_tag == "figure":
                    first, top_chapter = "figure", chapter
                if isinstance(d, boxes.LineBox | boxes.ReplacedBox | boxes.TableRowBox):
                    if first is None:
                        top_chapter = chapter
                    first = first or "content"
                    bottom = max(bottom, d.position_y + d.margin_height())
                element_id = d.element.get("id") if d.element is not None else None
                if d.element_tag == "section" and element_id and element_id not in seen:
                    seen.add(element_id)
                    starts.add(element_id)
        fill = min(1.0, (bottom - top) / height)
        pages.append(PageFill(number, fill, frozenset(starts), first == "figure", top_chapter))
    return pages


def short_pages(pages: list[PageFill]) -> list[PageFill]:
    """Pages under a third full that nothing above excuses."""
    return [
        page
        for page, after in pairwise(pages)
        if page.number > 1
        and page.fill < MIN_FILL
        and not after.starts & OWN_PAGE_CHAPTERS
        and not after.opens_with_figure
    ]
