"""Results as people and scripts read them: `registry.render(result, fmt)` picks the
renderer; `terminal` (rich tables), `documents` (Markdown, CSV, HTML), `charts` (the
HTML's SVG charts), `digest`, `data` (JSON) and `text` (escaping for every format)."""
