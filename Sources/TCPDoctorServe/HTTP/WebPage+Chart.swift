extension WebPage {
    /// The timeline kept by the page (fetched whole once, then only the newer points) and its two
    /// charts, drawn as inline SVG.
    static let scriptChart = #"""
        // The timeline ------------------------------------------------------------------------------

        const SVG = 'http://www.w3.org/2000/svg';
        const CHART = { width: 1000, height: 220, left: 64, right: 16, top: 12, bottom: 28 };
        const TOP_PROCESSES = 5;
        const timeline = { points: [], capacity: 720, states: STATES, minInterval: 5 };

        function timelinePath() {
          const last = timeline.points[timeline.points.length - 1];
          return last ? 'api/timeline?since=' + encodeURIComponent(String(last.time)) : 'api/timeline';
        }

        function mergeTimeline(doc) {
          if (Array.isArray(doc.states)) timeline.states = doc.states;
          if (isCount(doc.capacity) && doc.capacity > 0) timeline.capacity = doc.capacity;
          timeline.source = doc.source === 'history' ? 'history' : 'memory';
          timeline.db = typeof doc.db === 'string' ? doc.db : null;
          timeline.historyError = typeof doc.history_error === 'string' ? doc.history_error : null;
          if (typeof doc.min_interval === 'number') {
            timeline.minInterval = doc.min_interval;
            refreshMs = Math.round(Math.min(30, Math.max(2, doc.min_interval)) * 1000);
          }
          const last = timeline.points[timeline.points.length - 1];
          for (const point of Array.isArray(doc.points) ? doc.points : []) {
            if (typeof point.time === 'number' && (!last || point.time > last.time)) timeline.points.push(point);
          }
          if (timeline.points.length > timeline.capacity) timeline.points.splice(0, timeline.points.length - timeline.capacity);
          drawTimeline();
        }

        const groupKey = (group) => group.command + '\u0000' + (group.pid === null ? '' : group.pid);
        const groupName = (group) => group.pid === null ? group.command : group.command + ' (pid ' + group.pid + ')';

        function drawTimeline() {
          const points = timeline.points;
          const closeWait = timeline.states.indexOf('CLOSE_WAIT');
          const timeWait = timeline.states.indexOf('TIME_WAIT');
          const stateSeries = (name, index, color) => ({
            name, color, values: points.map((point) => point.ok && Array.isArray(point.states) ? point.states[index] : null),
          });
          const host = [stateSeries('CLOSE_WAIT', closeWait, 'c0'), stateSeries('TIME_WAIT', timeWait, 'c1')];
          drawChart(byId('chart-host'), byId('legend-host'), points, host, () => '');

          const latest = points.filter((point) => point.ok).pop();
          const held = latest && Array.isArray(latest.groups) ? latest.groups.filter((group) => group.total > 0) : [];
          const top = held.slice(0, TOP_PROCESSES);
          const processes = top.map((group, index) => {
            const key = groupKey(group);
            return {
              name: groupName(group),
              color: 'c' + index,
              values: points.map((point) => {
                if (!point.ok || !Array.isArray(point.groups)) return null;
                const match = point.groups.find((candidate) => groupKey(candidate) === key);
                return match ? match.total : null;
              }),
              group,
            };
          });
          drawChart(byId('chart-processes'), byId('legend-processes'), points, processes, (series) => {
            const group = series.group;
            const waiting = group.states[closeWait];
            const limit = group.fd_soft_limit === null ? 'no limit' : 'limit ' + group.fd_soft_limit;
            return ', ' + waiting + ' CLOSE_WAIT, ' + group.open_fds + ' fds (' + limit + ')';
          });

          const failed = points.filter((point) => !point.ok).length;
          const span = points.length === 0 ? '' : ' from ' + clock(points[0].time) + ' to ' + clock(points[points.length - 1].time);
          byId('timeline-note').textContent = (points.length === 0 ? 'No snapshot yet.'
            : timeline.source === 'history'
              ? points.length + ' samples of the history database ' + timeline.db + span + '.'
              : points.length + ' snapshots' + span + ' (serve keeps the last ' + timeline.capacity
                + ', one per request at most every ' + timeline.minInterval + ' s)'
                + (failed ? '; ' + failed + ' could not read the system (shaded)' : '') + '.')
            + (timeline.historyError ? ' The history database could not be read: ' + timeline.historyError : '')
            + (points.length === 0 ? '' : ' A process drawn with gaps was not among the top ' + TOP_PROCESSES + ' then.');
        }

        function element(tag, attributes) {
          const node = document.createElementNS(SVG, tag);
          for (const name of Object.keys(attributes)) node.setAttribute(name, String(attributes[name]));
          return node;
        }

        /** A round ceiling for the y axis: 1, 2 or 5 times a power of ten. */
        function niceMaximum(value) {
          if (!(value > 0)) return 1;
          const power = Math.pow(10, Math.floor(Math.log10(value)));
          for (const step of [1, 2, 5, 10]) if (value <= step * power) return step * power;
          return 10 * power;
        }

        function drawChart(svg, legend, points, series, describe) {
          svg.replaceChildren();
          legend.replaceChildren();
          const plotWidth = CHART.width - CHART.left - CHART.right;
          const plotHeight = CHART.height - CHART.top - CHART.bottom;
          const times = points.map((point) => point.time);
          const first = times.length ? times[0] : 0;
          const span = times.length > 1 ? times[times.length - 1] - first : 1;
          let highest = 0;
          for (const line of series) for (const value of line.values) if (value !== null && value > highest) highest = value;
          const top = niceMaximum(highest);
          const x = (time) => CHART.left + (times.length > 1 ? (time - first) / span * plotWidth : plotWidth);
          const y = (value) => CHART.top + plotHeight - value / top * plotHeight;

          for (const fraction of [0, 0.5, 1]) {
            const level = y(top * fraction);
            svg.append(element('line', { class: 'grid', x1: CHART.left, x2: CHART.width - CHART.right, y1: level, y2: level }));
            const label = element('text', { class: 'axis', x: CHART.left - 6, y: level + 4, 'text-anchor': 'end' });
            label.textContent = String(Math.round(top * fraction * 100) / 100);
            svg.append(label);
          }
          points.forEach((point, index) => {
            if (point.ok) return;
            const left = index > 0 ? x(times[index - 1]) : x(point.time) - 2;
            const right = index + 1 < times.length ? x(times[index + 1]) : x(point.time) + 2;
            svg.append(element('rect', { class: 'gap', x: left, y: CHART.top, width: Math.max(2, right - left), height: plotHeight }));
          });
          if (times.length > 0) {
            const labels = times.length > 1 ? [[first, 'start'], [times[times.length - 1], 'end']] : [[first, 'end']];
            for (const [time, anchor] of labels) {
              const label = element('text', { class: 'axis', x: x(time), y: CHART.height - 8, 'text-anchor': anchor });
              label.textContent = clock(time);
              svg.append(label);
            }
          }

          for (const line of series) {
            let path = '';
            let run = 0;
            line.values.forEach((value, index) => {
              if (value === null) { run = 0; return; }
              path += (run === 0 ? 'M' : 'L') + x(times[index]).toFixed(1) + ' ' + y(value).toFixed(1) + ' ';
              run += 1;
            });
            if (path) svg.append(element('path', { class: 'line ' + line.color, d: path.trim() }));
            const lastIndex = line.values.length - 1;
            const latest = lastIndex >= 0 ? line.values[lastIndex] : null;
            if (latest !== null) {
              svg.append(element('circle', { class: line.color, cx: x(times[lastIndex]), cy: y(latest), r: 3 }));
            }
            const entry = document.createElement('li');
            entry.append(text('span', null, 'swatch ' + line.color),
              text('span', line.name + ': ' + (latest === null ? 'none now' : latest) + describe(line)));
            legend.append(entry);
          }
          if (series.length === 0) legend.append(text('li', 'No process holds a socket.', 'note'));
        }

        refresh();

        """#
}
