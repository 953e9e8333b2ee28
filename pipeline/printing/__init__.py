"""Printing: the dossier checklist of a case as an A4 page (HTML with print CSS) and as PDF
(WeasyPrint), one case or every open case of a branch."""
