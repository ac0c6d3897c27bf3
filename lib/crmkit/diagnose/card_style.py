"""The client card's style sheet: one A4 page per client, on screen and in print.

The page is a fixed grid of boxes (identity, exposure, rating, tier, IFRS 9, covenant, alerts,
needs, next actions, satisfaction trend). Tables have a fixed layout and ellipsis-free wrapping
on word boundaries only; identifiers never wrap. Colours come from the brand's CSS variables
(``--crm-primary``, ``--crm-accent``), see :mod:`crmkit.core.branding`.
"""

from __future__ import annotations

__all__ = ["CARD_CSS"]

CARD_CSS = """
@page { size: A4; margin: 8mm 10mm 10mm 10mm;
        @bottom-right { content: counter(page) " / " counter(pages); font-size: 7pt;
                        color: #85929e; } }
:root { --crm-primary: #1f4e79; --crm-accent: #c0392b; }
* { box-sizing: border-box; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
html { background: #eef1f4; }
body { color: #1b2631; font-size: 8.6pt; line-height: 1.32; margin: 0;
       font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif; }
.card { width: 210mm; min-height: 297mm; margin: 8mm auto; padding: 10mm 11mm 12mm;
        background: #fff; box-shadow: 0 1px 4px rgba(0,0,0,.15); overflow: hidden; }
@media print {
  html { background: #fff; }
  .card { width: auto; min-height: 0; margin: 0; padding: 0; box-shadow: none;
          break-after: page; page-break-after: always; break-inside: avoid; }
  .card:last-child { break-after: auto; page-break-after: auto; }
}
.head { display: flex; justify-content: space-between; align-items: flex-start; gap: 4mm;
        border-bottom: 2px solid var(--crm-primary); padding-bottom: 2mm; margin-bottom: 2.5mm; }
.head h1 { font-size: 14pt; margin: 0; color: var(--crm-primary); line-height: 1.2; }
.head .sub { color: #5d6d7e; margin-top: 1mm; }
.head .brand { text-align: right; color: #5d6d7e; font-size: 7.5pt; white-space: nowrap; }
.head .brand img { display: block; max-height: 10mm; max-width: 40mm; margin-left: auto; }
.badges { margin-top: 1.2mm; }
.badge { display: inline-block; padding: 0.2mm 2mm; border-radius: 1.2mm; margin-right: 1.5mm;
         background: var(--crm-primary); color: #fff; font-weight: bold; }
.badge.light { background: #eaf0f6; color: var(--crm-primary); font-weight: normal; }
.badge.alert { background: var(--crm-accent); }
table.grid { width: 100%; table-layout: fixed; border-collapse: separate;
             border-spacing: 0 2mm; }
table.grid > tbody > tr > td { padding: 0; vertical-align: top; }
table.grid td.l { padding-right: 1.2mm; } table.grid td.r { padding-left: 1.2mm; }
.box { border: 1px solid #d5d8dc; border-radius: 1.5mm; padding: 1.4mm 2.2mm 1.6mm;
       break-inside: avoid; page-break-inside: avoid; }
.box + .box { margin-top: 2mm; }
.box h2 { font-size: 9.2pt; margin: 0 0 0.8mm; color: var(--crm-primary); }
.box p { margin: 0.6mm 0 0; }
table.kv, table.list { border-collapse: collapse; width: 100%; table-layout: fixed; }
table.kv th { color: #5d6d7e; font-weight: normal; text-align: left; width: 42%;
              padding: 0.25mm 1mm 0.25mm 0; vertical-align: top; }
table.kv td { padding: 0.25mm 0; vertical-align: top; overflow-wrap: break-word; }
table.list th { color: #5d6d7e; font-weight: normal; text-align: left; font-size: 7.8pt;
                border-bottom: 1px solid #d5d8dc; padding: 0.3mm 1mm; }
table.list td { padding: 0.4mm 1mm; vertical-align: top; border-bottom: 1px solid #f0f2f4;
                overflow-wrap: break-word; }
table.list .num { text-align: right; white-space: nowrap; }
table.list .nowrap, .nowrap { white-space: nowrap; }
.sev { white-space: nowrap; font-weight: bold; }
.sev-critical { color: #922b21; } .sev-high { color: var(--crm-accent); }
.sev-medium { color: #b9770e; } .sev-low { color: #2e86c1; }
.card.dense { font-size: 7.7pt; line-height: 1.22; }
.card.dense .head h1 { font-size: 12.5pt; }
.card.dense .box { padding: 1mm 2mm 1.2mm; }
.card.dense table.grid { border-spacing: 0 1.4mm; }
.muted { color: #85929e; }
.small { font-size: 7.6pt; }
.big { font-size: 13pt; font-weight: bold; color: var(--crm-primary); }
.strategy { font-size: 10pt; font-weight: bold; color: var(--crm-primary); }
.reasons { margin: 0.8mm 0 0; padding-left: 4mm; }
.reasons li { margin: 0.2mm 0; }
.matrix { border-collapse: collapse; margin-top: 0.8mm; }
.matrix td { width: 6mm; height: 4.2mm; border: 1px solid #fff; background: #eaf0f6; }
.matrix td.on { background: var(--crm-primary); }
.matrix th { font-weight: normal; color: #85929e; font-size: 6.8pt; padding: 0 1mm; }
.meter { height: 2.2mm; background: #eaecee; border-radius: 1mm; margin-top: 0.6mm;
         position: relative; overflow: hidden; }
.meter span { position: absolute; left: 0; top: 0; bottom: 0; background: #27ae60; }
.meter.bad span { background: var(--crm-accent); }
.meter.warn span { background: #d68910; }
svg.trend { display: block; margin-top: 0.6mm; }
"""
