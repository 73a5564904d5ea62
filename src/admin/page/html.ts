/** The status page shell: its script and style come from the relay itself (/app.js, /app.css), nothing else. */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>otlp-relay status</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<header>
  <div class="title"><h1>otlp-relay</h1><span id="meta" class="muted"></span></div>
  <div class="headright">
    <label>Service <select id="service"><option value="">all services</option></select></label>
    <span id="live" class="live off" title="live updates">connecting</span>
  </div>
</header>
<main>
  <section id="receivers-section"><div id="receivers" class="chips"></div><div id="warnings"></div></section>
  <section>
    <h2>Exporters <span class="muted small">where each item went, and why a destination refused it</span></h2>
    <div id="exporters" class="cards"><p class="muted">loading…</p></div>
    <div id="totals" class="muted small"></div>
  </section>
  <section>
    <h2>Recent traces</h2>
    <div class="traces">
      <div id="trace-list" class="trace-list"><p class="muted">no traces yet</p></div>
      <div class="trace-view">
        <div id="waterfall" class="waterfall"><p class="muted">send a trace to the relay to see it here</p></div>
        <div id="span-details" class="span-details"></div>
      </div>
    </div>
  </section>
  <section>
    <h2>Recent errors</h2>
    <div id="errors"><p class="muted">no errors</p></div>
  </section>
  <section>
    <h2>Recent logs</h2>
    <div id="logs"><p class="muted">no log records yet</p></div>
  </section>
</main>
<footer id="sampling" class="muted small"></footer>
</body>
</html>
`;
