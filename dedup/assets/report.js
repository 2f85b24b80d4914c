/* dedup report renderer: reads the JSON blob, lists clusters and then template series
   virtually (only the rows in view exist), renders one on demand. Every datum reaches the
   page through textContent or attributes set by the DOM API, never as markup. */
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('dedup-data').textContent);
  var META = D.meta, ROW = 48, CONTEXT = 80, SVGNS = 'http://www.w3.org/2000/svg';
  // the clusters, then the template series (as in the JSON report): C[i] is a series when i >= NC
  var NC = D.clusters.length, NT = (D.templates || []).length, C = D.clusters.concat(D.templates || []);
  function isSeries(i) { return i >= NC; }
  var KNOWN = { duplicate: 1, partial: 1, template: 1 };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function svg(tag, attrs) {
    var e = document.createElementNS(SVGNS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }
  function kindClass(prefix, k) { return prefix + (KNOWN[k] ? k : 'other'); }
  function badge(k) { return el('span', 'badge ' + kindClass('k-', k), k); }
  function pct(x) { return Math.round(x * 100) + '%'; }
  function short(s, n) { s = String(s); return s.length > n ? s.slice(0, n - 1) + '\u2026' : s; }

  // --- index for search and filters -------------------------------------------------
  var index = C.map(function (c, i) {
    var dates = [], hay = [c.id, c.k, c.r ? c.r[0] : ''];
    c.m.forEach(function (m) {
      hay.push(m[0], m[3] || '', m[4] || '');
      if (m[2]) dates.push(m[2]);
    });
    dates.sort();
    return { i: i, hay: hay.join('\u0001').toLowerCase(), d0: dates[0] || '', d1: dates[dates.length - 1] || '' };
  });

  // --- page skeleton ----------------------------------------------------------------
  var header = el('header');
  header.appendChild(el('h1', null, META.compare ? 'dedup compare' : 'dedup report'));
  // a problem is [path, line, message, skipped]: skipped, the input was left out; else a
  // note, it was read with a change the user should know of
  var probs = META.problems || [], nprob = probs.length;
  function skipped(p) { return p[3] !== false; }
  var nskip = probs.filter(skipped).length, nnote = nprob - nskip;
  function plural(n, word, words) { return n + ' ' + (n === 1 ? word : words || word + 's'); }
  var problemsText = [nskip ? plural(nskip, 'input') + ' skipped' : '', nnote ? plural(nnote, 'note') : '']
    .filter(Boolean).join(', ');
  header.appendChild(el('span', 'stats', plural(META.documents, 'document') + ', ' + plural(META.clusters, 'cluster') + ', ' +
    META.clustered + ' in clusters' + (NT ? ', ' + plural(NT, 'template series', 'template series') : '') +
    (nprob ? ', ' + problemsText : '')));
  var controls = el('div', 'controls');
  function control(label, input) {
    var l = el('label', null, label + ' ');
    l.appendChild(input); controls.appendChild(l); return input;
  }
  function input(type, attrs) {
    var e = el('input'); e.type = type;
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }
  var q = input('search', { placeholder: 'id, title, source, document id', id: 'q' });
  controls.appendChild(q);
  var kindSel = el('select'); kindSel.id = 'kind';
  kindSel.appendChild(new Option('any kind', ''));
  Object.keys(C.reduce(function (a, c) { a[c.k] = 1; c.l.forEach(function (l) { a[l.k] = 1; }); return a; }, {}))
    .sort().forEach(function (k) { kindSel.appendChild(new Option(k, k)); });
  control('kind', kindSel);
  var minSize = control('size \u2265', input('number', { min: 2, id: 'minsize' }));
  var maxSize = control('\u2264', input('number', { min: 2, id: 'maxsize' }));
  var dFrom = control('dates from', input('date', { id: 'from' }));
  var dTo = control('to', input('date', { id: 'to' }));
  var count = el('span', 'count');
  controls.appendChild(count);
  header.appendChild(controls);
  if (nprob) {
    var pd = el('details', 'problems');
    pd.appendChild(el('summary', null, problemsText));
    probs.slice(0, 200).forEach(function (p) {
      var line = el('div', skipped(p) ? 'skipped' : 'note');
      line.appendChild(el('span', 'what', skipped(p) ? 'skipped: ' : 'note: '));
      line.appendChild(document.createTextNode(p[0] + (p[1] != null ? ':' + p[1] : '') + ': ' + p[2]));
      pd.appendChild(line);
    });
    header.appendChild(pd);
  }
  var main = el('main'), list = el('section'), detail = el('section'), spacer = el('div', 'spacer');
  list.id = 'list'; detail.id = 'detail';
  list.appendChild(spacer); main.appendChild(list); main.appendChild(detail);
  document.body.appendChild(header); document.body.appendChild(main);

  // --- virtual cluster list ---------------------------------------------------------
  var shown = index.map(function (x) { return x.i; }), selected = -1;
  function applyFilter() {
    var terms = q.value.toLowerCase().split(/\s+/).filter(Boolean), k = kindSel.value;
    var lo = parseInt(minSize.value, 10), hi = parseInt(maxSize.value, 10), f = dFrom.value, t = dTo.value;
    shown = [];
    var nc = 0;  // clusters among those shown (they come first)
    for (var n = 0; n < index.length; n++) {
      var x = index[n], c = C[x.i];
      if (k && c.k !== k && !c.l.some(function (l) { return l.k === k; })) continue;
      if (lo && c.n < lo) continue;
      if (hi && c.n > hi) continue;
      if (f && (!x.d1 || x.d1.slice(0, 10) < f)) continue;
      if (t && (!x.d0 || x.d0.slice(0, 10) > t)) continue;
      if (terms.length && !terms.every(function (w) { return x.hay.indexOf(w) >= 0; })) continue;
      shown.push(x.i);
      if (!isSeries(x.i)) nc++;
    }
    count.textContent = 'showing ' + nc + ' of ' + NC + ' clusters' +
      (NT ? ', ' + (shown.length - nc) + ' of ' + plural(NT, 'template series', 'template series') : '');
    spacer.style.height = (shown.length * ROW) + 'px';
    list.scrollTop = 0;
    drawRows();
  }
  function drawRows() {
    var first = Math.max(0, Math.floor(list.scrollTop / ROW) - 5);
    var last = Math.min(shown.length, Math.ceil((list.scrollTop + list.clientHeight) / ROW) + 5);
    spacer.textContent = '';
    for (var n = first; n < last; n++) spacer.appendChild(row(C[shown[n]], n));
  }
  function row(c, n) {
    var r = el('div', 'row' + (isSeries(shown[n]) ? ' series' : '') + (shown[n] === selected ? ' selected' : ''));
    r.style.top = (n * ROW) + 'px';
    r.setAttribute('data-cluster', c.id);
    var origin = c.m.filter(function (m) { return m[0] === c.o; })[0] || c.m[0];
    var t = el('div', 't');
    t.appendChild(badge(c.k));
    t.appendChild(document.createTextNode(c.id + ' \u00b7 ' + (isSeries(shown[n]) ? 'template series \u00b7 ' : '') +
      c.n + ' documents \u00b7 ' + (origin[4] || origin[0])));
    r.appendChild(t);
    var x = index[shown[n]];
    var sources = Object.create(null);  // keyed by document data: no prototype ('__proto__' is an id)
    c.m.forEach(function (m) { if (m[3]) sources[m[3]] = 1; });
    r.appendChild(el('div', 's', 'origin ' + c.o + (x.d0 ? ' \u00b7 ' + x.d0.slice(0, 10) + (x.d1.slice(0, 10) !== x.d0.slice(0, 10) ? ' \u2013 ' + x.d1.slice(0, 10) : '') : '') +
      (Object.keys(sources).length ? ' \u00b7 ' + Object.keys(sources).join(', ') : '')));
    r.addEventListener('click', function () { select(shown[n]); });
    return r;
  }
  var pending = false;
  list.addEventListener('scroll', function () {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; drawRows(); });
  });
  window.addEventListener('resize', drawRows);
  [q, kindSel, minSize, maxSize, dFrom, dTo].forEach(function (e) { e.addEventListener('input', applyFilter); });

  // --- texts: windows of each member's text, offsets in code points -----------------
  var cpCache = new Map();
  function cps(s) { var a = cpCache.get(s); if (!a) { a = Array.from(s); cpCache.set(s, a); } return a; }
  function windowOf(c, doc, s, e) {
    var ws = c.x[doc] || [];
    for (var n = 0; n < ws.length; n++) {
      var a = cps(ws[n][1]);
      if (ws[n][0] <= s && e <= ws[n][0] + a.length) return { start: ws[n][0], cp: a };
    }
    return null;
  }
  function sideNode(c, doc, s, e, diffs, cls) {
    var box = el('div', 'side ' + cls), w = windowOf(c, doc, s, e);
    box.setAttribute('data-doc', doc);
    if (!w) { box.appendChild(el('span', 'ctx', '[' + s + ':' + e + '] (text not in this report)')); return box; }
    var off = s - w.start, end = e - w.start, from = Math.max(0, off - CONTEXT);
    if (from > 0 || w.start > 0) box.appendChild(el('span', 'ctx', '\u2026'));
    box.appendChild(el('span', 'ctx', w.cp.slice(from, off).join('')));
    var p = el('span', 'ptext'), at = 0, body = w.cp.slice(off, end);
    for (var n = 0; n < diffs.length; n += 2) {
      p.appendChild(document.createTextNode(body.slice(at, diffs[n]).join('')));
      p.appendChild(el('mark', cls === 'src' ? 'del' : 'ins', body.slice(diffs[n], diffs[n + 1]).join('')));
      at = diffs[n + 1];
    }
    p.appendChild(document.createTextNode(body.slice(at).join('')));
    box.appendChild(p);
    var to = Math.min(w.cp.length, end + CONTEXT);
    box.appendChild(el('span', 'ctx', w.cp.slice(end, to).join('')));
    if (to < w.cp.length) box.appendChild(el('span', 'ctx', '\u2026'));
    return box;
  }

  // --- one cluster ------------------------------------------------------------------
  function select(i) {
    selected = i;
    var c = C[i];
    if (location.hash !== '#' + encodeURIComponent(c.id)) history.replaceState(null, '', '#' + encodeURIComponent(c.id));
    detail.textContent = '';
    detail.scrollTop = 0;
    var h = el('h2');
    h.appendChild(badge(c.k));
    h.appendChild(document.createTextNode(c.id + ' \u00b7 ' + (isSeries(i) ? 'template series \u00b7 ' : '') +
      c.n + ' documents \u00b7 origin '));
    h.appendChild(el('span', 'docid', c.o));
    detail.appendChild(h);
    if (isSeries(i)) detail.appendChild(el('p', 'series', 'Template series: issues of one formula with new facts ' +
      '(template links), kept out of the clusters.'));
    if (c.r) {  // its running story: other clusters, and takes of the same source in none
      var st = el('p', 'story', 'Running story ' + c.r[0]);
      if (c.r[1].length) st.appendChild(document.createTextNode(' \u00b7 with ' + c.r[1].join(', ')));
      if (c.r[2].length) st.appendChild(document.createTextNode(' \u00b7 in no cluster: ' + c.r[2].join(', ')));
      detail.appendChild(st);
    }
    var num = Object.create(null);
    c.m.forEach(function (m, n) { num[m[0]] = n + 1; });
    members(c, num);
    timeline(c, num);
    graph(c, num);
    links(c, num);
    drawRows();
  }
  function chars(p, side) { return side ? p[3] - p[2] : p[1] - p[0]; }
  // Where each member's text went and came from, in one pass over the links (a pass per
  // member took seconds for a cluster of thousands: members x links).
  function flows(c, num) {
    var out = Object.create(null), inn = Object.create(null);
    c.l.forEach(function (l) {
      var ns = l.p.reduce(function (a, p) { return a + chars(p, 0); }, 0);
      var nt = l.p.reduce(function (a, p) { return a + chars(p, 1); }, 0);
      (out[l.s] = out[l.s] || []).push('#' + num[l.t] + ' (' + ns + ' chars, ' + l.k + ')');
      (inn[l.t] = inn[l.t] || []).push('#' + num[l.s] + ' (' + nt + ' chars, ' + l.k + ')');
    });
    function more(a) { return !a ? '' : a.length > 6 ? a.slice(0, 6).join(', ') + ', \u2026 ' + (a.length - 6) + ' more' : a.join(', '); }
    return function (doc) { return [more(out[doc]), more(inn[doc])]; };
  }
  function members(c, num) {
    detail.appendChild(el('h3', null, 'Members'));
    var t = el('table', 'members'), hr = el('tr'), flowsOf = flows(c, num);
    ['#', 'document', 'role', 'date', 'source', 'title', 'coverage', 'its text went to', 'came from'].forEach(function (x) { hr.appendChild(el('th', null, x)); });
    t.appendChild(hr);
    c.m.forEach(function (m) {
      var tr = el('tr'), f = flowsOf(m[0]);
      tr.setAttribute('data-doc', m[0]);
      tr.appendChild(el('td', 'num', num[m[0]]));
      tr.appendChild(el('td', 'docid', m[0]));
      tr.appendChild(el('td', 'role-' + m[1], m[1]));
      tr.appendChild(el('td', null, m[2] ? m[2].replace('T', ' ').slice(0, 16) : '\u2013'));
      tr.appendChild(el('td', null, m[3] || '\u2013'));
      tr.appendChild(el('td', null, m[4] || ''));
      tr.appendChild(el('td', 'num', pct(m[5])));
      tr.appendChild(el('td', 'flow', f[0] || '\u2013'));
      tr.appendChild(el('td', 'flow', f[1] || '\u2013'));
      t.appendChild(tr);
    });
    detail.appendChild(t);
  }
  function timeline(c, num) {
    detail.appendChild(el('h3', null, 'Publication timeline'));
    var dated = c.m.filter(function (m) { return m[2] && !isNaN(Date.parse(m[2])); });
    var undated = c.m.filter(function (m) { return dated.indexOf(m) < 0; });
    if (dated.length) {
      var ts = dated.map(function (m) { return Date.parse(m[2]); });
      var lo = Math.min.apply(null, ts), hi = Math.max.apply(null, ts), W = 640, pad = 40;
      var s = svg('svg', { width: W, height: 64, viewBox: '0 0 ' + W + ' 64', 'class': 'timeline' });
      s.appendChild(svg('line', { x1: pad, x2: W - pad, y1: 30, y2: 30, 'class': 'axis' }));
      var used = Object.create(null);
      dated.forEach(function (m, n) {
        var x = hi > lo ? pad + (ts[n] - lo) / (hi - lo) * (W - 2 * pad) : W / 2;
        var key = Math.round(x / 8), dy = (used[key] = (used[key] || 0) + 1) - 1;
        var g = svg('g', {});
        g.appendChild(svg('circle', { cx: x, cy: 30 - dy * 9, r: 5, 'class': 'dot-' + (m[1] === 'origin' || m[1] === 'copy' || m[1] === 'partial' || m[1] === 'template' ? m[1] : 'other') }));
        var tt = svg('title', {}); tt.textContent = '#' + num[m[0]] + ' ' + m[0] + ' \u00b7 ' + m[2] + ' \u00b7 ' + m[1];
        g.appendChild(tt);
        if (!dy) { var lab = svg('text', { x: x, y: 50, 'text-anchor': 'middle' }); lab.textContent = '#' + num[m[0]]; g.appendChild(lab); }
        s.appendChild(g);
      });
      [[pad, lo], [W - pad, hi]].forEach(function (a, n) {
        if (n && hi === lo) return;
        var tx = svg('text', { x: a[0], y: 12, 'text-anchor': n ? 'end' : 'start' });
        tx.textContent = new Date(a[1]).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
        s.appendChild(tx);
      });
      detail.appendChild(s);
    }
    if (undated.length) detail.appendChild(el('div', 'legend', 'undated: ' + undated.map(function (m) { return '#' + num[m[0]]; }).join(', ')));
  }
  function graph(c, num) {
    detail.appendChild(el('h3', null, 'Provenance'));
    var legend = el('div', 'legend');
    ['duplicate', 'partial', 'template', 'other'].forEach(function (k) {
      var sp = el('span'); sp.appendChild(el('i', 'e-' + k)); sp.appendChild(document.createTextNode(k === 'other' ? 'other kinds' : k)); legend.appendChild(sp);
    });
    detail.appendChild(legend);
    if (c.m.length > 300) { detail.appendChild(el('div', 'legend', 'graph drawn for clusters of up to 300 documents')); return; }
    var adj = Object.create(null), depth = Object.create(null), queue = [c.o];
    c.m.forEach(function (m) { adj[m[0]] = []; });
    c.l.forEach(function (l) { (adj[l.s] = adj[l.s] || []).push(l.t); (adj[l.t] = adj[l.t] || []).push(l.s); });
    depth[c.o] = 0;
    while (queue.length) {
      var d = queue.shift();
      adj[d].forEach(function (x) { if (!(x in depth)) { depth[x] = depth[d] + 1; queue.push(x); } });
    }
    var cols = [];
    c.m.forEach(function (m) { var k = m[0] in depth ? depth[m[0]] : 0; (cols[k] = cols[k] || []).push(m[0]); });
    var NW = 200, NH = 34, GX = 70, GY = 10, pos = Object.create(null);
    cols.forEach(function (col, k) { col.forEach(function (doc, r) { pos[doc] = [10 + k * (NW + GX), 10 + r * (NH + GY)]; }); });
    var W = 20 + cols.length * (NW + GX) - GX, H = 20 + Math.max.apply(null, cols.map(function (x) { return x.length; })) * (NH + GY) - GY;
    var s = svg('svg', { width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, 'class': 'graph' });
    var defs = svg('defs', {});
    ['duplicate', 'partial', 'template', 'other'].forEach(function (k) {
      var mk = svg('marker', { id: 'arrow-' + k, viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
      mk.appendChild(svg('path', { d: 'M0,0 L10,5 L0,10 z', 'class': 'm-' + k }));
      defs.appendChild(mk);
    });
    s.appendChild(defs);
    c.l.forEach(function (l) {
      var a = pos[l.s], b = pos[l.t]; if (!a || !b) return;
      var k = KNOWN[l.k] ? l.k : 'other', x1 = a[0] + NW, y1 = a[1] + NH / 2, x2 = b[0], y2 = b[1] + NH / 2;
      if (b[0] <= a[0]) { x1 = a[0] + NW / 2; y1 = a[1] + (b[1] > a[1] ? NH : 0); x2 = b[0] + NW / 2; y2 = b[1] + (b[1] > a[1] ? 0 : NH); }
      var p = svg('path', { d: 'M' + x1 + ',' + y1 + ' C' + (x1 + x2) / 2 + ',' + y1 + ' ' + (x1 + x2) / 2 + ',' + y2 + ' ' + x2 + ',' + y2,
        'class': 'edge e-' + k, 'marker-end': 'url(#arrow-' + k + ')', 'data-kind': l.k });
      var tt = svg('title', {}); tt.textContent = l.s + ' \u2192 ' + l.t + ' \u00b7 ' + l.k + ' \u00b7 score ' + l.sc;
      p.appendChild(tt);
      s.appendChild(p);
    });
    c.m.forEach(function (m) {
      var g = svg('g', { 'class': 'node' + (m[0] === c.o ? ' origin' : ''), transform: 'translate(' + pos[m[0]][0] + ',' + pos[m[0]][1] + ')' });
      g.appendChild(svg('rect', { width: NW, height: NH }));
      var t1 = svg('text', { x: 6, y: 14 }); t1.textContent = short('#' + num[m[0]] + ' ' + m[0], 27);
      var t2 = svg('text', { x: 6, y: 28 }); t2.textContent = short(m[1] + (m[2] ? ' \u00b7 ' + m[2].slice(0, 10) : ''), 27);
      var tt = svg('title', {}); tt.textContent = m[0] + (m[4] ? '\n' + m[4] : '');
      g.appendChild(tt); g.appendChild(t1); g.appendChild(t2);
      s.appendChild(g);
    });
    detail.appendChild(s);
  }
  // Links drawn LINKS_PAGE at a time: a cluster of thousands of copies has tens of thousands.
  var LINKS_PAGE = 200;
  function links(c, num) {
    detail.appendChild(el('h3', null, 'Links and passages'));
    var list = el('div', 'links'), shown = 0, moreButton = el('button', 'more-links');
    detail.appendChild(list);
    function page() {
      c.l.slice(shown, shown + LINKS_PAGE).forEach(function (l, k) { list.appendChild(link(c, num, l, shown + k)); });
      shown = Math.min(c.l.length, shown + LINKS_PAGE);
      var left = c.l.length - shown;
      moreButton.textContent = 'show ' + Math.min(LINKS_PAGE, left) + ' more links (' + left + ' not shown)';
      if (!left && moreButton.parentNode) moreButton.parentNode.removeChild(moreButton);
    }
    moreButton.addEventListener('click', page);
    page();
    if (shown < c.l.length) detail.appendChild(moreButton);
  }
  function link(c, num, l, n) {
    var d = el('details', 'link ' + kindClass('k-', l.k));
    d.setAttribute('data-link', l.s + '\u2192' + l.t);
    var sm = el('summary');
    sm.appendChild(badge(l.k));
    sm.appendChild(document.createTextNode('#' + num[l.s] + ' ' + l.s + ' \u2192 #' + num[l.t] + ' ' + l.t +
      ' \u00b7 score ' + l.sc + ' \u00b7 covers ' + pct(l.cs) + ' / ' + pct(l.ct) + ' \u00b7 ' + l.p.length + ' passage' + (l.p.length === 1 ? '' : 's')));
    d.appendChild(sm);
    var done = false;
    function fill() {
      if (done) return; done = true;
      l.p.forEach(function (p) {
        var box = el('div', 'passage');
        box.appendChild(el('div', 'head', '[' + p[0] + ':' + p[1] + '] \u2192 [' + p[2] + ':' + p[3] + '] \u00b7 score ' + p[4]));
        box.appendChild(sideNode(c, l.s, p[0], p[1], p[5] || [], 'src'));
        box.appendChild(sideNode(c, l.t, p[2], p[3], p[6] || [], 'tgt'));
        d.appendChild(box);
      });
    }
    d.addEventListener('toggle', function () { if (d.open) fill(); });
    if (n < 3 && c.l.length <= 10) { d.open = true; fill(); }
    return d;
  }

  // --- start --------------------------------------------------------------------------
  applyFilter();
  var want = decodeURIComponent(location.hash.slice(1)), at = -1;
  for (var n = 0; n < C.length && want; n++) if (C[n].id === want) { at = n; break; }
  if (at < 0 && C.length) at = 0;
  if (at >= 0) select(at); else detail.appendChild(el('div', 'empty', 'No clusters: no two documents share text.'));
  document.body.setAttribute('data-ready', '1');
})();
