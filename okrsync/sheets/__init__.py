"""Where the dashboard lives: an .xlsx workbook or a Google spreadsheet."""
