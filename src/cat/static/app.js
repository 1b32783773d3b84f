// The page of the adaptive test: talks to /api/sessions, shows one task at a time, the result at the end.
// It never sees keys or difficulties; the session id lives in the URL (#s=...) and localStorage.
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var current = null;

  function sessionId() {
    var m = location.hash.match(/s=([0-9a-f]{32})/);
    return m ? m[1] : localStorage.getItem('cefrlab-cat-session');
  }
  function remember(id) {
    localStorage.setItem('cefrlab-cat-session', id);
    if (location.hash !== '#s=' + id) history.replaceState(null, '', '#s=' + id);
  }
  function forget() {
    localStorage.removeItem('cefrlab-cat-session');
    history.replaceState(null, '', location.pathname);
  }
  function status(text, isError) {
    var el = $('status');
    el.textContent = text || '';
    el.className = isError ? 'error' : '';
  }
  function api(method, url, body) {
    var init = { method: method, headers: {} };
    if (body !== undefined) { init.headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
    return fetch(url, init).then(function (r) {
      return r.json().then(function (j) { if (!r.ok) { var e = new Error(j.message || r.statusText); e.status = r.status; throw e; } return j; });
    });
  }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = text;
    return e;
  }

  function showProgress(s) {
    $('progress').max = s.maxItems;
    $('progress').value = s.answered;
    $('progress').textContent = s.answered + ' of ' + s.maxItems;
    $('progress-text').textContent = s.answered + ' / ' + s.maxItems;
  }

  function renderYesNo(item) {
    var fs = el('fieldset');
    fs.appendChild(el('legend', {}, 'Which of these are real English words? Select every real word, then press Next.'));
    var box = el('div', { class: 'words' });
    item.stimuli.forEach(function (w, i) {
      var label = el('label', { class: 'word' });
      var input = el('input', { type: 'checkbox', name: 'w' + i, 'data-index': String(i) });
      label.appendChild(input);
      label.appendChild(el('span', {}, w));
      box.appendChild(label);
    });
    fs.appendChild(box);
    return fs;
  }

  function renderCTest(item) {
    var fs = el('fieldset');
    fs.appendChild(el('legend', {}, 'Complete the text: type the missing second half of each unfinished word, then press Next.'));
    var p = el('p', { class: 'ctest' });
    item.segments.forEach(function (s) {
      if (s.text != null) { p.appendChild(document.createTextNode(s.text)); return; }
      var span = el('span', { class: 'gap' });
      span.appendChild(document.createTextNode(s.shown));
      var input = el('input', {
        type: 'text', name: 'g' + s.gap, 'data-gap': String(s.gap), size: String(Math.max(2, s.missing + 1)), maxlength: '40',
        autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false',
        'aria-label': 'Gap ' + (s.gap + 1) + ': the rest of the word beginning "' + s.shown + '", ' + s.missing + ' letter' + (s.missing === 1 ? '' : 's') + ' missing',
      });
      span.appendChild(input);
      p.appendChild(span);
    });
    fs.appendChild(p);
    return fs;
  }

  function render(s) {
    current = s;
    remember(s.session);
    showProgress(s);
    $('intro').hidden = true;
    if (s.done) return showResult(s);
    var body = $('item-body');
    body.innerHTML = '';
    body.appendChild(s.item.format === 'yesno' ? renderYesNo(s.item) : renderCTest(s.item));
    $('item').setAttribute('data-item', s.item.id);
    $('item').setAttribute('data-format', s.item.format);
    $('item').hidden = false;
    $('result').hidden = true;
    var first = body.querySelector('input');
    if (first) first.focus();
    status('Task ' + (s.answered + 1) + ' of at most ' + s.maxItems);
  }

  function showResult(s) {
    $('item').hidden = true;
    $('result').hidden = false;
    var r = s.result;
    if (!r) { status('The test ended before any task was answered.'); return; }
    $('score').textContent = r.score.toFixed(1);
    $('se').textContent = '± ' + r.se.toFixed(1);
    $('level').textContent = r.level;
    $('count').textContent = String(r.items);
    status('Test complete.');
    $('result').setAttribute('data-score', String(r.score));
    var x = r.history.map(function (h) { return h.index; });
    var y = r.history.map(function (h) { return h.theta; });
    var lo = r.history.map(function (h) { return h.theta - h.se; });
    var hi = r.history.map(function (h) { return h.theta + h.se; });
    withPlotly(function () {
      window.Plotly.newPlot('plot', [
        { x: x.concat(x.slice().reverse()), y: hi.concat(lo.slice().reverse()), fill: 'toself', fillcolor: 'rgba(29,78,216,0.15)', line: { width: 0 }, name: '± 1 SE', hoverinfo: 'skip' },
        { x: x, y: y, mode: 'lines+markers', name: 'estimate', line: { color: '#1d4ed8' } },
      ], {
        margin: { t: 30, r: 10, b: 45, l: 50 }, title: { text: 'Estimated ability after each task' },
        xaxis: { title: { text: 'task' }, dtick: 5 }, yaxis: { title: { text: 'score (0–100)' }, range: [-10, 110] }, showlegend: false,
      }, { displaylogo: false, staticPlot: true, responsive: true });
    });
  }

  // The plot library (served from this server, no CDN) is loaded only when the result is shown.
  function withPlotly(draw) {
    if (window.Plotly) return draw();
    var s = document.createElement('script');
    s.src = '/plotly.js';
    s.onload = draw;
    s.onerror = function () { $('plot').textContent = 'The plot could not be loaded.'; };
    document.head.appendChild(s);
  }

  function collect() {
    var form = $('item');
    if (form.getAttribute('data-format') === 'yesno') {
      return Array.prototype.map.call(form.querySelectorAll('input[type=checkbox]'), function (c) { return c.checked; });
    }
    return Array.prototype.map.call(form.querySelectorAll('input[type=text]'), function (t) { return t.value; });
  }

  $('item').addEventListener('submit', function (e) {
    e.preventDefault();
    if (!current || current.done) return;
    $('submit').disabled = true;
    api('POST', '/api/sessions/' + current.session + '/answers', { item: current.item.id, answers: collect() })
      .then(render)
      .catch(function (err) {
        // A replayed or stale answer: reload the state from the server.
        if (err.status === 409) return api('GET', '/api/sessions/' + current.session).then(render);
        status('Could not send the answer: ' + err.message, true);
      })
      .then(function () { $('submit').disabled = false; });
  });

  function start() {
    api('POST', '/api/sessions').then(render).catch(function (err) { status('Could not start: ' + err.message, true); });
  }
  $('start').addEventListener('click', start);
  $('again').addEventListener('click', function () { forget(); start(); });

  var id = sessionId();
  if (id) {
    api('GET', '/api/sessions/' + id).then(render).catch(function () { forget(); status(''); });
  }
})();
