extension WebPage {
    /// The page's one script: the polling loop, the findings, the process table and the charts.
    ///
    /// Host text reaches the DOM only through `text()` (`textContent`) and `setAttribute`; the
    /// script has no `innerHTML`, `outerHTML`, `insertAdjacentHTML` or `document.write`, and a
    /// test checks that it stays so. Classes put on elements come from fixed lists, never from
    /// the host.
    static var script: String { "'use strict';\n(() => {\n" + scriptData + scriptChart + "})();\n" }

    /// Fetching, the findings and their sockets, the process table.
    static let scriptData = #"""
        const STATES = ['ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT', 'CLOSE',
                        'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'CLOSING'];
        const SEVERITIES = ['critical', 'warning', 'info'];
        const MAX_SOCKET_ROWS = 500;
        let refreshMs = 5000;

        const byId = (id) => document.getElementById(id);

        /** An element with `text` as its text (never parsed as markup) and classes from fixed lists. */
        function text(tag, value, className) {
          const node = document.createElement(tag);
          if (value !== undefined && value !== null) node.textContent = String(value);
          if (className) node.className = className;
          return node;
        }

        async function getJSON(path) {
          const response = await fetch(path, { cache: 'no-store', headers: { Accept: 'application/json' } });
          let body = null;
          try { body = await response.json(); } catch (e) { body = null; }
          if (!response.ok) {
            const message = body && body.error && body.error.message ? body.error.message : response.statusText;
            throw new Error(path + ': ' + response.status + ' ' + message);
          }
          return body;
        }

        const isCount = (value) => Number.isInteger(value) && value >= 0;
        const clock = (seconds) => new Date(seconds * 1000).toLocaleTimeString([], { hour12: false });

        function endpoint(value) {
          if (!value || typeof value !== 'object') return '';
          const address = String(value.address);
          return (address.includes(':') ? '[' + address + ']' : address) + ':' + value.port;
        }

        // The findings ------------------------------------------------------------------------------

        function subjectOf(finding) {
          const parts = [];
          for (const process of Array.isArray(finding.processes) ? finding.processes : []) {
            parts.push((process.command === null ? '?' : process.command) + ' (pid ' + process.pid + ')');
          }
          const evidence = finding.evidence && typeof finding.evidence === 'object' ? finding.evidence : {};
          if (isCount(evidence.local_port)) parts.push('port ' + evidence.local_port);
          if (typeof evidence.peer === 'string') parts.push('peer ' + evidence.peer);
          if (finding.netns_label) parts.push('netns ' + finding.netns_label);
          parts.push('rule ' + finding.rule);
          return parts.join(' · ');
        }

        let findingsById = new Map();
        let shownFinding = null;

        /** The finding named by the address's `#sockets=ID`, if any. */
        function hashFinding() {
          if (!location.hash.startsWith('#sockets=')) return null;
          try { return decodeURIComponent(location.hash.slice('#sockets='.length)); } catch (error) { return null; }
        }

        /** Opens the list of the finding the address names, once per finding (not at every refresh). */
        function openFromHash() {
          const id = hashFinding();
          if (id === null || id === shownFinding) return;
          const finding = findingsById.get(id);
          if (!finding) return;
          shownFinding = id;
          showSockets(finding);
        }

        function renderFindings(doc) {
          const findings = Array.isArray(doc.findings) ? doc.findings : [];
          findingsById = new Map(findings.map((finding) => [String(finding.id), finding]));
          const list = byId('findings');
          list.replaceChildren();
          byId('findings-empty').hidden = findings.length > 0;
          for (const finding of findings) {
            const severity = SEVERITIES.includes(finding.severity) ? finding.severity : 'info';
            const item = text('li', null, 'finding ' + severity);
            item.setAttribute('data-id', String(finding.id));
            item.append(text('span', severity, 'severity'), text('span', finding.summary, 'headline'));
            const subject = text('span', subjectOf(finding), 'subject');
            // A link of its own (`#sockets=ID`), so that a finding's sockets can be shared or bookmarked.
            const link = text('a', 'its sockets');
            const href = '#sockets=' + encodeURIComponent(String(finding.id));
            link.setAttribute('href', href);
            link.addEventListener('click', (event) => {
              event.preventDefault();
              history.replaceState(null, '', href);
              shownFinding = String(finding.id);
              showSockets(finding);
            });
            subject.append(' · ', link);
            item.append(subject);
            const details = document.createElement('details');
            details.append(text('summary', 'why, and what to change'), text('p', finding.why));
            const remedies = document.createElement('ul');
            for (const remedy of Array.isArray(finding.remedies) ? finding.remedies : []) {
              remedies.append(text('li', remedy));
            }
            details.append(remedies);
            item.append(details);
            list.append(item);
          }
          openFromHash();
        }

        /** The sockets a finding is about, from a fresh /api/sockets: those held by its processes, on
            its local port when it names one. Said as such, with the time of that snapshot, which may
            be newer than the finding's. */
        async function showSockets(finding) {
          const panel = byId('finding-sockets');
          const note = byId('finding-sockets-note');
          const rows = byId('finding-sockets-table').tBodies[0];
          panel.hidden = false;
          byId('finding-sockets-title').textContent = 'Sockets of ' + finding.id;
          rows.replaceChildren();
          const pids = (Array.isArray(finding.processes) ? finding.processes : [])
            .map((process) => process.pid).filter(Number.isInteger);
          const evidence = finding.evidence && typeof finding.evidence === 'object' ? finding.evidence : {};
          const port = isCount(evidence.local_port) ? evidence.local_port : null;
          if (pids.length === 0 && port === null) {
            note.textContent = 'This finding names no process and no local port to select sockets by; '
              + 'every socket is at /api/sockets.';
            return;
          }
          note.textContent = 'Loading /api/sockets…';
          let doc;
          try { doc = await getJSON('api/sockets'); } catch (error) { note.textContent = String(error.message); return; }
          const sockets = (Array.isArray(doc.sockets) ? doc.sockets : []).filter((socket) => {
            const owners = Array.isArray(socket.owners) ? socket.owners : [];
            const held = pids.length === 0 || owners.some((owner) => pids.includes(owner.pid));
            return held && (port === null || (socket.local && socket.local.port === port));
          });
          const counts = {};
          for (const socket of sockets) counts[socket.state] = (counts[socket.state] || 0) + 1;
          const what = [];
          if (pids.length > 0) what.push('held by pid ' + pids.join(', '));
          if (port !== null) what.push('with local port ' + port);
          const tally = Object.keys(counts).sort((a, b) => counts[b] - counts[a]).map((s) => s + ' ' + counts[s]);
          note.textContent = sockets.length + ' sockets ' + what.join(' ') + ' in the snapshot of '
            + clock(doc.taken_at) + (tally.length ? ': ' + tally.join(', ') : '') + '.'
            + (sockets.length > MAX_SOCKET_ROWS ? ' The first ' + MAX_SOCKET_ROWS + ' are listed.' : '');
          for (const socket of sockets.slice(0, MAX_SOCKET_ROWS)) {
            const row = document.createElement('tr');
            const owners = (Array.isArray(socket.owners) ? socket.owners : [])
              .map((owner) => (owner.command === null ? '?' : owner.command) + ' (pid ' + owner.pid + ', fd ' + owner.fd + ')');
            row.append(text('td', socket.state), text('td', endpoint(socket.local), 'mono'),
              text('td', endpoint(socket.remote), 'mono'), text('td', socket.recv_q), text('td', socket.send_q),
              text('td', owners.join(', '), 'text'));
            rows.append(row);
          }
        }

        // The process table -------------------------------------------------------------------------

        const COLUMNS = [
          { key: 'command', label: 'process', numeric: false },
          { key: 'pid', label: 'pid', numeric: true },
          { key: 'total', label: 'sockets', numeric: true },
        ].concat(STATES.map((state) => ({ key: state, label: state, numeric: true })));
        const table = { rows: [], sortKey: 'total', descending: true, filter: '' };

        function processRows(doc) {
          return (Array.isArray(doc.groups) ? doc.groups : []).map((group) => {
            const row = {
              command: typeof group.command === 'string' ? group.command : String(group.label),
              pid: Number.isInteger(group.pid) ? group.pid : null,
              total: isCount(group.total) ? group.total : 0,
            };
            for (const state of STATES) row[state] = group.states && isCount(group.states[state]) ? group.states[state] : 0;
            return row;
          });
        }

        function compareRows(left, right) {
          const a = left[table.sortKey];
          const b = right[table.sortKey];
          let order;
          if (a === b) order = 0;
          else if (a === null) order = -1;
          else if (b === null) order = 1;
          else if (typeof a === 'number' && typeof b === 'number') order = a - b;
          else order = String(a).localeCompare(String(b));
          if (order === 0) order = right.total - left.total || String(left.command).localeCompare(String(right.command));
          else if (table.descending) order = -order;
          return order;
        }

        function renderHead() {
          const head = byId('processes-head');
          head.replaceChildren();
          for (const column of COLUMNS) {
            const sorted = column.key === table.sortKey;
            const cell = text('th', column.label + (sorted ? (table.descending ? ' ▼' : ' ▲') : ''));
            cell.setAttribute('data-key', column.key);
            cell.setAttribute('aria-sort', sorted ? (table.descending ? 'descending' : 'ascending') : 'none');
            cell.title = 'sort by ' + column.label;
            cell.addEventListener('click', () => {
              if (table.sortKey === column.key) table.descending = !table.descending;
              else { table.sortKey = column.key; table.descending = column.numeric; }
              renderTable();
            });
            head.append(cell);
          }
        }

        function renderTable() {
          renderHead();
          const needle = table.filter.trim().toLowerCase();
          const shown = table.rows.filter((row) => needle === ''
            || row.command.toLowerCase().includes(needle) || (row.pid !== null && String(row.pid) === needle));
          shown.sort(compareRows);
          const body = byId('processes-body');
          body.replaceChildren();
          for (const row of shown) {
            const line = document.createElement('tr');
            if (row.pid !== null) line.setAttribute('data-pid', String(row.pid));
            for (const column of COLUMNS) {
              const value = row[column.key];
              let className = column.numeric ? '' : 'text';
              if (column.numeric && value === 0) className = 'zero';
              if (column.key === 'CLOSE_WAIT' && value > 0) className = 'hot';
              const cell = text('td', value === null ? '' : value, className);
              cell.setAttribute('data-key', column.key);
              line.append(cell);
            }
            body.append(line);
          }
          byId('processes-count').textContent = shown.length === table.rows.length
            ? table.rows.length + ' rows' : shown.length + ' of ' + table.rows.length + ' rows';
        }

        byId('filter').addEventListener('input', (event) => { table.filter = event.target.value; renderTable(); });
        byId('finding-sockets-close').addEventListener('click', () => {
          byId('finding-sockets').hidden = true;
          shownFinding = null;
          history.replaceState(null, '', location.pathname + location.search);
        });
        window.addEventListener('hashchange', openFromHash);

        // The loop ----------------------------------------------------------------------------------

        async function refresh() {
          const [findings, states, timeline] = await Promise.allSettled([
            getJSON('api/findings'), getJSON('api/states?by=process'), getJSON(timelinePath()),
          ]);
          const failures = [];
          if (findings.status === 'fulfilled') renderFindings(findings.value); else failures.push(findings.reason);
          if (states.status === 'fulfilled') {
            table.rows = processRows(states.value);
            renderTable();
            byId('host').textContent = states.value.total + ' TCP sockets';
          } else {
            failures.push(states.reason);
          }
          if (timeline.status === 'fulfilled') mergeTimeline(timeline.value); else failures.push(timeline.reason);
          const status = byId('status');
          status.className = failures.length ? 'failed' : '';
          status.textContent = failures.length
            ? failures.map((failure) => String(failure && failure.message ? failure.message : failure)).join('; ')
            : 'updated ' + clock(Date.now() / 1000) + ', every ' + refreshMs / 1000 + ' s';
          setTimeout(refresh, refreshMs);
        }

        """#
}
