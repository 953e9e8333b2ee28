"""The parts of an XLSX package (Office Open XML, ECMA-376) other than the sheets' rows, written
as text: the content types, the relationships, the styles, the workbook with its print titles and
print areas, and each worksheet's XML before and after its <sheetData>. pipeline.exports.xlsx_file
streams the rows between them. Only what the exports use: no theme, no shared strings."""
from datetime import datetime, timezone
from xml.sax.saxutils import escape, quoteattr

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# Cell styles, the indices of cellXfs below: s="1" and so on.
TITLE_STYLE, DETAIL_STYLE, HEADER_STYLE, DATE_STYLE, PERCENT_STYLE = 1, 2, 3, 4, 5
DATE_FORMAT = "DD/MM/YYYY"
DATE_FORMAT_ID = 164  # the first id free for a workbook's own formats
PERCENT_FORMAT_ID = 9  # built in: "0%"

FONT = '<sz val="11"/><name val="Calibri"/><family val="2"/>'
STYLES = (
    f'<styleSheet xmlns="{MAIN}">'
    f'<numFmts count="1"><numFmt numFmtId="{DATE_FORMAT_ID}" formatCode="{DATE_FORMAT}"/></numFmts>'
    # fonts: 0 plain, 1 the title (bold 13), 2 the details (italic), 3 the header (bold)
    f'<fonts count="4"><font>{FONT}</font><font><b/><sz val="13"/><name val="Calibri"/><family val="2"/></font>'
    f'<font><i/>{FONT}</font><font><b/>{FONT}</font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="6"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">'
    '<alignment horizontal="center"/></xf>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="3" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    f'<xf numFmtId="{DATE_FORMAT_ID}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    f'<xf numFmtId="{PERCENT_FORMAT_ID}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>')

# Page setup, in inches: A4 (9) landscape, as wide as the page and as many pages down as it takes.
MARGINS = '<pageMargins left="0.4" right="0.4" top="0.5" bottom="0.6" header="0.3" footer="0.3"/>'
PAGE_SETUP = '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'


def column_letter(number):
    """1 -> "A", 27 -> "AA"."""
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def content_types(sheet_count):
    sheets = "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{SHEET_TYPE}"/>'
                     for n in range(1, sheet_count + 1))
    return (f'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml"'
            ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml"'
            ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml"'
            ' ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            f'{sheets}</Types>')


def package_rels():
    return (f'<Relationships xmlns="{PKG_RELS}">'
            f'<Relationship Id="rId1" Type="{DOC_RELS}/officeDocument" Target="xl/workbook.xml"/>'
            f'<Relationship Id="rId2" Type="{PKG_RELS}/metadata/core-properties" Target="docProps/core.xml"/>'
            '</Relationships>')


def core_properties(now=None):
    """When the file was made, as Excel's File > Info shows it."""
    stamp = f"{(now or datetime.now(timezone.utc)):%Y-%m-%dT%H:%M:%SZ}"
    return ('<cp:coreProperties'
            ' xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
            ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
            ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified></cp:coreProperties>')


def workbook_rels(sheet_count):
    sheets = "".join(f'<Relationship Id="rId{n}" Type="{DOC_RELS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
                     for n in range(1, sheet_count + 1))
    return (f'<Relationships xmlns="{PKG_RELS}">{sheets}'
            f'<Relationship Id="rId{sheet_count + 1}" Type="{DOC_RELS}/styles" Target="styles.xml"/>'
            '</Relationships>')


def workbook(sheets):
    """`sheets`: (name, header row, print area or None) in order. The print titles (the header row
    on every page) and the print areas are names of the workbook, each local to its sheet."""
    entries, names = [], []
    for index, (name, header_row, print_area) in enumerate(sheets):
        entries.append(f'<sheet name={quoteattr(name)} sheetId="{index + 1}" r:id="rId{index + 1}"/>')
        quoted = "'" + name.replace("'", "''") + "'"  # a formula's sheet name, its apostrophes doubled
        names.append(f'<definedName name="_xlnm.Print_Titles" localSheetId="{index}">'
                     f'{escape(quoted)}!${header_row}:${header_row}</definedName>')
        if print_area:
            names.append(f'<definedName name="_xlnm.Print_Area" localSheetId="{index}">'
                         f'{escape(quoted)}!{print_area}</definedName>')
    return (f'<workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}"><workbookPr/>'
            '<bookViews><workbookView activeTab="0"/></bookViews>'
            f'<sheets>{"".join(entries)}</sheets><definedNames>{"".join(names)}</definedNames>'
            '<calcPr calcId="191029"/></workbook>')


def sheet_start(widths, header_row, selected):
    """A worksheet's XML up to its rows: fitted to the page's width, the rows under the header
    frozen, the columns' widths."""
    below = f"A{header_row + 1}"
    tab = ' tabSelected="1"' if selected else ""
    cols = "".join(f'<col min="{n}" max="{n}" width="{width}" customWidth="1"/>' for n, width in enumerate(widths, 1))
    return (f'{XML_DECLARATION}<worksheet xmlns="{MAIN}" xmlns:r="{DOC_RELS}">'
            '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
            f'<sheetViews><sheetView workbookViewId="0"{tab}>'
            f'<pane ySplit="{header_row}" topLeftCell="{below}" activePane="bottomLeft" state="frozen"/>'
            f'<selection pane="bottomLeft" activeCell="{below}" sqref="{below}"/></sheetView></sheetViews>'
            '<sheetFormatPr defaultRowHeight="15"/>'
            f'{"<cols>" + cols + "</cols>" if cols else ""}<sheetData>')


def sheet_end(merged, footer):
    """A worksheet's XML after its rows: the merged ranges (the title's rows), the page setup, the
    footer (with Excel's codes: &P the page, &N the pages; &C centres it)."""
    parts = ["</sheetData>"]
    if merged:
        parts.append(f'<mergeCells count="{len(merged)}">')
        parts.extend(f'<mergeCell ref="{ref}"/>' for ref in merged)
        parts.append("</mergeCells>")
    parts += ['<printOptions horizontalCentered="1"/>', MARGINS, PAGE_SETUP]
    if footer:
        parts.append(f"<headerFooter><oddFooter>{escape('&C' + footer)}</oddFooter></headerFooter>")
    parts.append("</worksheet>")
    return "".join(parts)
