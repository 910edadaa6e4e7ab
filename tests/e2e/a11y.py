"""axe-core and reflow checks for the browser tests, with failure messages that say what
to fix."""

from axe_playwright_python.sync_playwright import Axe

# axe-core impact levels that fail a test.
BLOCKING_IMPACTS = ("serious", "critical")


def blocking_axe_violations(page):
    """Run axe-core on the page; return the serious and critical violations."""
    results = Axe().run(page)
    return [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]


def describe_violations(page, violations):
    """A readable account of axe violations: rule, impact, help and each failing node."""
    lines = [f"axe-core found {len(violations)} serious/critical violation(s) on {page.url}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} "
            f"<{violation.get('helpUrl', '')}>"
        )
        for node in violation.get("nodes", []):
            lines.append(f"    target: {node.get('target')}")
            lines.append(f"    html:   {node.get('html', '')[:300]}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n            ")
            lines.append(f"    why:    {summary}")
    return "\n".join(lines)


def assert_no_blocking_axe_violations(page):
    violations = blocking_axe_violations(page)
    assert not violations, describe_violations(page, violations)


# --- Reflow (WCAG 1.4.10): a phone-width page must not scroll sideways ------------

PHONE_VIEWPORT = {"width": 375, "height": 740}


def page_widths(page):
    return page.evaluate(
        "() => ({scrollWidth: document.documentElement.scrollWidth,"
        " clientWidth: document.documentElement.clientWidth})"
    )


def elements_wider_than_viewport(page):
    """Elements sticking out to the right of the viewport, to say what causes a scroll."""
    return page.evaluate(
        """() => {
            const limit = document.documentElement.clientWidth;
            return Array.from(document.querySelectorAll('body *'))
                .filter((el) => el.getBoundingClientRect().right > limit + 0.5)
                .slice(0, 10)
                .map((el) => el.outerHTML.slice(0, 200));
        }"""
    )


def assert_no_horizontal_scroll(page):
    widths = page_widths(page)
    assert widths["scrollWidth"] <= widths["clientWidth"], (
        f"{page.url} scrolls sideways at {page.viewport_size['width']}px: {widths}; "
        f"overflowing elements: {elements_wider_than_viewport(page)}"
    )
