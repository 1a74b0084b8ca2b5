extension WebPage {
    /// The page's style sheet: dark text on a light ground, the system's own fonts (no web font:
    /// hosts often have no internet), colours of the chart's series by class.
    ///
    /// Classes, never `style` attributes: the policy lets only the nonced `<style>` through.
    static let style = #"""
        :root { color-scheme: light; --ink: #1b1f23; --muted: #57606a; --line: #d0d7de; --ground: #ffffff;
                --panel: #f6f8fa; --accent: #0a4d8c; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, "DejaVu Sans", sans-serif; color: var(--ink);
               background: var(--ground); }
        header { display: flex; align-items: baseline; gap: 1em; padding: 0.6em 1.2em;
                 border-bottom: 1px solid var(--line); background: var(--panel); }
        header h1 { font-size: 1.3em; margin: 0; }
        #status { color: var(--muted); font-size: 0.9em; }
        #status.failed { color: #8a1c12; font-weight: 600; }
        main { padding: 0 1.2em 1.2em; max-width: 1400px; }
        h2 { font-size: 1.1em; margin: 1.2em 0 0.4em; }
        h3 { font-size: 1em; margin: 0.8em 0 0.3em; }
        a, button.link { color: var(--accent); }
        button.link { background: none; border: none; padding: 0; font: inherit; cursor: pointer;
                      text-decoration: underline; }
        .note { color: var(--muted); font-size: 0.9em; margin: 0.2em 0; }
        code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.92em; }
        #findings { list-style: none; margin: 0; padding: 0; }
        .finding { border: 1px solid var(--line); border-left-width: 6px; border-radius: 4px;
                   padding: 0.4em 0.7em; margin: 0.4em 0; background: var(--ground); }
        .finding.critical { border-left-color: #b42318; }
        .finding.warning { border-left-color: #b26b00; }
        .finding.info { border-left-color: #57606a; }
        .severity { display: inline-block; min-width: 5.5em; margin-right: 0.6em; font-weight: 700; font-size: 0.8em;
                    text-transform: uppercase; letter-spacing: 0.04em; }
        .critical .severity { color: #b42318; }
        .warning .severity { color: #8a5300; }
        .info .severity { color: var(--muted); }
        .headline { font-weight: 600; }
        .subject { display: block; color: var(--muted); font-size: 0.9em; }
        .finding details { margin-top: 0.2em; font-size: 0.92em; }
        .finding details p { margin: 0.3em 0; }
        #finding-sockets { border: 1px solid var(--line); background: var(--panel); border-radius: 4px;
                           padding: 0.2em 0.8em 0.8em; margin-top: 0.6em; }
        .scroll { overflow-x: auto; }
        table { border-collapse: collapse; font-size: 0.85em; }
        th, td { padding: 0.2em 0.4em; border-bottom: 1px solid var(--line); text-align: right;
                 white-space: nowrap; }
        th:first-child, td:first-child { text-align: left; }
        td.text, #finding-sockets-table th:last-child { text-align: left; }
        thead th { background: var(--panel); position: sticky; top: 0; }
        #processes th { cursor: pointer; user-select: none; }
        #processes th:hover { background: #eaeef2; }
        td.zero { color: #8c959f; }
        td.hot { color: #8a1c12; font-weight: 700; }
        .controls { display: flex; gap: 1em; align-items: baseline; margin: 0.3em 0 0.5em; }
        input[type=search] { font: inherit; padding: 0.2em 0.4em; width: 18em; }
        figure { margin: 0.4em 0 1em; }
        figcaption { font-weight: 600; font-size: 0.95em; }
        svg.chart { width: 100%; max-width: 1100px; height: auto; display: block; background: var(--ground);
                    border: 1px solid var(--line); }
        svg .grid { stroke: #e4e8ec; stroke-width: 1; }
        svg .axis { fill: var(--muted); font-size: 12px; font-family: system-ui, "DejaVu Sans", sans-serif; }
        svg .line { fill: none; stroke-width: 2; }
        svg .gap { fill: #fde2e1; }
        .legend { list-style: none; padding: 0; margin: 0.3em 0 0; display: flex; flex-wrap: wrap; gap: 0.3em 1.4em;
                  font-size: 0.9em; }
        .swatch { display: inline-block; width: 0.9em; height: 0.9em; border-radius: 2px; margin-right: 0.35em;
                  vertical-align: -0.1em; }
        .c0 { stroke: #b42318; background: #b42318; fill: #b42318; }
        .c1 { stroke: #0a4d8c; background: #0a4d8c; fill: #0a4d8c; }
        .c2 { stroke: #2f7d32; background: #2f7d32; fill: #2f7d32; }
        .c3 { stroke: #8a5300; background: #8a5300; fill: #8a5300; }
        .c4 { stroke: #6f42c1; background: #6f42c1; fill: #6f42c1; }
        .c5 { stroke: #1b1f23; background: #1b1f23; fill: #1b1f23; }
        footer { padding: 0.8em 1.2em; color: var(--muted); font-size: 0.85em; border-top: 1px solid var(--line); }
        """#
}
