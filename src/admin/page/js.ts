/**
 * The status page's script (served as /app.js): plain browser JavaScript, no framework, no build step.
 * Telemetry is untrusted input, so every value reaches the DOM through textContent, never as HTML.
 * (Kept free of backticks and dollar-brace so it can live in this template literal unchanged.)
 */
export const PAGE_JS = `'use strict';
(function () {
  var state = { service: '', trace: null, span: null, status: null, recent: null, openErrors: {} };
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) for (var k in attrs) {
      if (k === 'text') node.textContent = attrs[k];
      else if (k === 'class') node.className = attrs[k];
      else if (k === 'onclick') node.addEventListener('click', attrs[k]);
      else if (k === 'style') for (var prop in attrs[k]) node.style.setProperty(prop, attrs[k][prop]); // CSSOM: allowed by the page's CSP, unlike style attributes
      else node.setAttribute(k, attrs[k]);
    }
    (children || []).forEach(function (c) { if (c != null) node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return node;
  }
  function replace(node, children) { node.replaceChildren.apply(node, children); }
  function fmtBytes(n) {
    var u = ['B', 'KiB', 'MiB', 'GiB']; var i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return (i ? n.toFixed(1) : String(n)) + ' ' + u[i];
  }
  function fmtMs(ms) {
    if (ms < 1) return (ms * 1000).toFixed(0) + ' µs';
    if (ms < 1000) return ms.toFixed(ms < 10 ? 2 : 0) + ' ms';
    return (ms / 1000).toFixed(2) + ' s';
  }
  function fmtTime(ms) { var d = new Date(ms); return isNaN(d.getTime()) ? '' : d.toLocaleTimeString(); }
  function ago(iso) {
    var s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    if (s < 60) return s + ' s ago';
    if (s < 3600) return Math.round(s / 60) + ' min ago';
    return Math.round(s / 3600) + ' h ago';
  }
  function color(service) {
    var h = 0;
    for (var i = 0; i < service.length; i++) h = (h * 31 + service.charCodeAt(i)) >>> 0;
    return 'hsl(' + (h % 360) + ', 55%, 45%)';
  }
  function kvList(obj) {
    var children = [];
    Object.keys(obj || {}).forEach(function (k) { children.push(el('dt', { text: k })); children.push(el('dd', { text: obj[k] })); });
    return children.length ? el('dl', { class: 'kv' }, children) : el('p', { class: 'muted small', text: 'none' });
  }
  function getJson(url) {
    return fetch(url, { cache: 'no-store' }).then(function (r) { if (!r.ok && r.status !== 404) throw new Error(url + ': ' + r.status); return r.json(); });
  }

  // ---- relay and exporters ----
  function renderStatus(s) {
    state.status = s;
    $('meta').textContent = 'v' + s.version + ' · ' + s.config + ' · started ' + ago(s.startedAt) + (s.lastReload ? ' · reload ' + s.lastReload.result + ' ' + ago(s.lastReload.at) : '');
    replace($('receivers'), s.receivers.map(function (r) {
      return el('span', { class: 'chip' + (r.listening ? '' : ' down'), text: r.name + ' ' + r.endpoint + (r.listening ? '' : ' (not listening)') });
    }));
    var warnings = s.warnings.slice();
    if (s.lastReload && s.lastReload.result === 'refused') warnings.unshift('the last reload was refused, the previous config keeps running: ' + s.lastReload.message);
    replace($('warnings'), warnings.map(function (w) { return el('div', { class: 'warning', text: w }); }));
    replace($('exporters'), s.exporters.length ? s.exporters.map(renderExporter) : [el('p', { class: 'muted', text: 'no exporters' })]);
    var sig = ['traces', 'logs', 'metrics'];
    $('totals').textContent = 'accepted: ' + sig.map(function (k) { return k + ' ' + (s.accepted[k] || 0); }).join(', ') +
      ' · refused: ' + sig.map(function (k) { return k + ' ' + (s.refused[k] || 0); }).join(', ') +
      ' · unrouted: ' + sig.map(function (k) { return k + ' ' + (s.unrouted[k] || 0); }).join(', ');
    var sm = s.sampling;
    $('sampling').textContent = 'The page shows a sample: ' + sm.decoded + ' requests decoded' + (sm.decodedForErrors ? ' (' + sm.decodedForErrors + ' for their errors)' : '') +
      (sm.skippedRate || sm.skippedSize ? ', ' + sm.skippedRate + ' skipped by the rate cap (' + sm.perSecond + ' items/s), ' + sm.skippedSize + ' too large' : '') + '. Metrics: /metrics · health: /healthz, /readyz';
  }
  function renderExporter(e) {
    var pct = e.queueCapacity ? Math.min(100, (100 * e.queueBytes) / e.queueCapacity) : 0;
    var parts = [
      el('div', { class: 'head' }, [
        el('div', null, [el('span', { class: 'name', text: e.name }), ' ', el('span', { class: 'muted small', text: e.type + (e.signals.length ? ' · ' + e.signals.join(', ') : ' · no route') })]),
        el('span', { class: 'badge ' + e.state, text: e.state }),
      ]),
      el('div', { class: 'muted small mono', text: e.destination }),
      el('div', { class: 'counts' }, [
        el('span', null, ['sent ', el('b', { text: String(e.sent) })]),
        el('span', null, ['failed ', el('b', { text: String(e.failed) })]),
        el('span', null, ['dropped ', el('b', { text: String(e.dropped) })]),
        el('span', null, ['retries ', el('b', { text: String(e.retries) })]),
      ]),
      el('div', { class: 'muted small', text: 'queue ' + fmtBytes(e.queueBytes) + ' of ' + fmtBytes(e.queueCapacity) }),
      el('div', { class: 'queue' }, [el('div', { style: { width: pct.toFixed(1) + '%' } })]),
    ];
    if (e.lastError) parts.push(el('div', { class: 'lasterror' }, [e.lastError.text, el('span', { class: 'when', text: 'last error ' + ago(e.lastError.at) + ' (' + e.lastError.at + ')' })]));
    return el('div', { class: 'card state-' + e.state, 'data-exporter': e.name }, parts);
  }

  // ---- recent data ----
  function renderRecent(r) {
    state.recent = r;
    var sel = $('service');
    var have = Array.prototype.map.call(sel.options, function (o) { return o.value; });
    r.services.forEach(function (s) { if (have.indexOf(s) < 0) sel.appendChild(el('option', { value: s, text: s })); });
    if (state.trace && !r.traces.some(function (t) { return t.traceId === state.trace; })) state.trace = null;
    if (!state.trace && r.traces.length) state.trace = r.traces[0].traceId;
    replace($('trace-list'), r.traces.length ? r.traces.map(renderTraceItem) : [el('p', { class: 'muted', text: 'no traces yet' })]);
    if (state.trace) loadTrace(state.trace);
    else replace($('waterfall'), [el('p', { class: 'muted', text: 'send a trace to the relay to see it here' })]);
    renderErrors(r.errors);
    renderLogs(r.logs);
  }
  function renderTraceItem(t) {
    return el('div', { class: 'trace-item' + (t.errors ? ' error' : '') + (t.traceId === state.trace ? ' selected' : ''), 'data-trace': t.traceId, onclick: function () { state.trace = t.traceId; state.span = null; renderRecent(state.recent); } }, [
      el('span', { class: 'root', text: t.rootName || '(root not received yet)' }),
      el('span', { class: 'muted small', text: t.services.join(', ') + ' · ' + t.spans + ' spans · ' + fmtMs(t.durationMs) + (t.errors ? ' · ' + t.errors + ' error' + (t.errors > 1 ? 's' : '') : '') }),
      el('span', { class: 'muted small', text: fmtTime(t.startMs) }),
    ]);
  }
  function loadTrace(id) {
    getJson('/api/traces/' + id).then(function (t) { if (state.trace === id) renderWaterfall(t); }).catch(function () {});
  }
  function order(spans) {
    var byId = {}; var kids = {}; var out = [];
    spans.forEach(function (s) { byId[s.spanId] = s; });
    spans.forEach(function (s) {
      var p = s.parentSpanId && byId[s.parentSpanId] ? s.parentSpanId : '';
      (kids[p] = kids[p] || []).push(s);
    });
    function walk(parent, depth) {
      (kids[parent] || []).sort(function (a, b) { return a.startMs - b.startMs; }).forEach(function (s) {
        if (s.spanId === parent) return;
        out.push({ span: s, depth: depth });
        if (depth < 64) walk(s.spanId, depth + 1);
      });
    }
    walk('', 0);
    return out;
  }
  function renderWaterfall(t) {
    if (!t || !t.spans) { replace($('waterfall'), [el('p', { class: 'muted', text: 'this trace is no longer in the recent sample' })]); return; }
    var start = t.summary.startMs; var total = Math.max(t.summary.durationMs, 0.001);
    var rows = order(t.spans).map(function (row) {
      var s = row.span;
      var left = ((s.startMs - start) / total) * 100; var width = Math.max((s.durationMs / total) * 100, 0.3);
      return el('div', { class: 'wf-row' + (s.error ? ' error' : '') + (state.span === s.spanId ? ' selected' : ''), 'data-span': s.spanId, title: s.name, onclick: function () { state.span = s.spanId; renderWaterfall(t); } }, [
        el('div', { class: 'wf-name', style: { 'padding-left': row.depth * 14 + 'px' } }, [el('span', { class: 'wf-svc', style: { background: color(s.service) }, text: s.service }), s.name]),
        el('div', { class: 'wf-track' }, [
          el('div', { class: 'wf-bar' + (s.error ? ' error' : ''), style: { left: left.toFixed(2) + '%', width: width.toFixed(2) + '%', 'background-color': s.error ? '#c53030' : color(s.service) } }),
          el('span', { class: 'wf-dur', text: fmtMs(s.durationMs) }),
        ]),
      ]);
    });
    var head = el('div', { class: 'wf-head' }, [
      el('span', null, [el('b', { text: t.summary.rootName || 'trace' }), ' ', el('span', { class: 'muted small mono', text: t.summary.traceId })]),
      el('span', { class: 'muted small', text: t.summary.spans + ' spans · ' + fmtMs(t.summary.durationMs) + (t.summary.truncated ? ' · ' + t.summary.truncated + ' more spans not kept' : '') }),
    ]);
    replace($('waterfall'), [head].concat(rows));
    var chosen = t.spans.filter(function (s) { return s.spanId === state.span; })[0];
    replace($('span-details'), chosen ? [renderSpan(chosen)] : []);
  }
  function renderSpan(s) {
    var parts = [
      el('h3', { text: s.name }),
      kvList({ service: s.service, kind: s.kind, status: s.status.code + (s.status.message ? ': ' + s.status.message : ''), duration: fmtMs(s.durationMs), start: new Date(s.startMs).toISOString(), 'trace id': s.traceId, 'span id': s.spanId, 'parent span id': s.parentSpanId || '(root)', scope: s.scope }),
      el('h3', { text: 'Attributes' }), kvList(s.attributes),
    ];
    s.events.forEach(function (e) { parts.push(el('h3', { text: 'Event: ' + e.name + ' at ' + fmtTime(e.timeMs) })); parts.push(kvList(e.attributes)); });
    parts.push(el('h3', { text: 'Resource' }));
    parts.push(kvList(s.resource));
    return el('div', { id: 'span-detail' }, parts);
  }
  function renderErrors(errors) {
    if (!errors.length) { replace($('errors'), [el('p', { class: 'muted', text: state.service ? 'no errors from ' + state.service : 'no errors' })]); return; }
    var rows = [];
    errors.forEach(function (e, i) {
      var key = e.traceId + e.spanId + e.timeMs + i;
      var cells = [el('td', { class: 'time', text: fmtTime(e.timeMs) }), el('td', { text: e.service }), el('td', { text: e.kind }), el('td', null, [el('b', { text: e.title }), ' ', e.message])];
      var link = e.traceId && e.kind === 'span' ? el('a', { class: 'link', text: 'trace', onclick: function (ev) { ev.stopPropagation(); state.trace = e.traceId; state.span = e.spanId; renderRecent(state.recent); $('waterfall').scrollIntoView(); } }) : null;
      cells.push(el('td', null, [link]));
      rows.push(el('tr', { class: 'error clickable', onclick: function () { state.openErrors[key] = !state.openErrors[key]; renderErrors(errors); } }, cells));
      if (state.openErrors[key] && e.stack) rows.push(el('tr', null, [el('td', { colspan: '5' }, [el('pre', { class: 'stack', text: e.stack })])]));
    });
    replace($('errors'), [el('table', null, [el('thead', null, [el('tr', null, ['time', 'service', 'from', 'error', ''].map(function (h) { return el('th', { text: h }); }))]), el('tbody', null, rows)])]);
  }
  function sevClass(n) { return n >= 17 ? 'sev error' : n >= 13 ? 'sev warn' : 'sev'; }
  function renderLogs(logs) {
    if (!logs.length) { replace($('logs'), [el('p', { class: 'muted', text: state.service ? 'no log records from ' + state.service : 'no log records yet' })]); return; }
    var rows = logs.map(function (l) {
      return el('tr', { class: l.error ? 'error' : '' }, [
        el('td', { class: 'time', text: fmtTime(l.timeMs) }),
        el('td', null, [el('span', { class: sevClass(l.severityNumber), text: l.severityText || String(l.severityNumber || '') })]),
        el('td', { text: l.service }),
        el('td', { class: 'mono', text: l.body }),
      ]);
    });
    replace($('logs'), [el('table', null, [el('thead', null, [el('tr', null, ['time', 'severity', 'service', 'body'].map(function (h) { return el('th', { text: h }); }))]), el('tbody', null, rows)])]);
  }

  // ---- updates ----
  var pending = null;
  function refresh() {
    pending = null;
    getJson('/api/status').then(renderStatus).catch(function () {});
    getJson('/api/recent' + (state.service ? '?service=' + encodeURIComponent(state.service) : '')).then(renderRecent).catch(function () {});
  }
  function soon() { if (!pending) pending = setTimeout(refresh, 150); }
  $('service').addEventListener('change', function (ev) { state.service = ev.target.value; state.trace = null; state.span = null; refresh(); });
  refresh();
  var live = $('live');
  if (window.EventSource) {
    var es = new EventSource('/api/events');
    es.addEventListener('change', soon);
    es.onopen = function () { live.className = 'live on'; live.textContent = 'live'; };
    es.onerror = function () { live.className = 'live off'; live.textContent = 'reconnecting'; };
  } else {
    live.textContent = 'polling';
    setInterval(refresh, 3000);
  }
})();
`;
