/// The report's inline stylesheet: system fonts, a readable measure, and tables that scroll rather than overflow.
enum ReportStyle {
    static let css = """
    :root { color-scheme: light; }
    body { margin: 0; background: #f6f7f9; color: #1d1f23;
           font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
    main { max-width: 1040px; margin: 0 auto; padding: 24px 28px 64px; background: #fff; min-height: 100vh;
           box-shadow: 0 0 0 1px #e3e5e8; }
    h1 { font-size: 26px; margin: 8px 0 4px; }
    h2 { font-size: 21px; margin: 40px 0 8px; padding-top: 12px; border-top: 2px solid #e3e5e8; }
    h3 { font-size: 16px; margin: 24px 0 6px; }
    p, li { max-width: 76ch; }
    code { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f1f3f5;
           padding: 1px 4px; border-radius: 3px; word-break: break-all; }
    .subtitle { color: #5c636e; margin-top: 0; }
    .conclusions { background: #eef6ff; border-left: 4px solid #1f6fb2; padding: 12px 20px 12px 16px; margin: 20px 0;
                   border-radius: 0 6px 6px 0; }
    .conclusions h2 { border: 0; margin: 0 0 6px; padding: 0; font-size: 18px; }
    .conclusions ol { margin: 0; padding-left: 22px; }
    .conclusions li { margin: 4px 0; font-weight: 500; }
    nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 6px 16px; }
    nav a, a { color: #1f6fb2; }
    .table-wrap { overflow-x: auto; margin: 8px 0 16px; }
    table { border-collapse: collapse; font-size: 14px; }
    th, td { padding: 5px 12px; border-bottom: 1px solid #e3e5e8; text-align: left; vertical-align: top; }
    th { background: #f6f7f9; font-weight: 600; }
    td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
    td.detail { color: #5c636e; font-size: 13px; }
    td.diagonal { background: #eef6ff; font-weight: 600; }
    dl.setup { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 12px 0; }
    dl.setup dt { color: #5c636e; }
    dl.setup dd { margin: 0; }
    .plots { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
    svg { max-width: 100%; height: auto; border: 1px solid #e3e5e8; border-radius: 6px; }
    .overlays { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 16px; }
    figure { margin: 0; }
    figure img { width: 100%; image-rendering: pixelated; border-radius: 4px; border: 1px solid #e3e5e8; }
    figcaption { font-size: 13px; color: #5c636e; }
    .note { color: #8a5a00; background: #fff8e6; padding: 4px 8px; border-radius: 4px; }
    .legend { font-size: 13px; color: #5c636e; }
    .swatch { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 10px; border-radius: 2px; }
    """
}
