"""The pure OKR core: layout detection, value parsing, achievement, status, colors. No I/O."""
