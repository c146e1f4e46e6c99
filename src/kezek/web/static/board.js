// The board follows its office's event stream and switches language every ten seconds:
// labels, service names and the office's own name. The stream is reopened after any drop;
// the banner shows while the board is away. A chime on each new call, once switched on
// (browsers play sound only after a tap, unless the display's browser is set to allow it).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("board-data").textContent);
  var calls = document.getElementById("calls");
  var waiting = document.getElementById("waiting");
  var banner = document.getElementById("reconnecting");
  var chimeButton = document.getElementById("chime");
  var fullButton = document.getElementById("full-screen");
  var language = 0;
  var chimeOn = data.chime;
  var audio = null;
  var lastCall = null; // when the newest call seen was made: a later one (a recall too) chimes

  function item(parts) {
    var li = document.createElement("li");
    parts.forEach(function (part) {
      var span = document.createElement("span");
      span.className = part[0];
      span.textContent = part[1];
      li.appendChild(span);
    });
    return li;
  }

  function chime(after) {
    document.body.dataset.chimes = String(Number(document.body.dataset.chimes || 0) + 1);
    if (!audio) return;
    // Two soft tones, as in a hall: high, then lower.
    [[880, 0], [660, 0.35]].forEach(function (tone) {
      var oscillator = audio.createOscillator();
      var gain = audio.createGain();
      var start = audio.currentTime + after + tone[1];
      oscillator.frequency.value = tone[0];
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.4, start + 0.03);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.6);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(start);
      oscillator.stop(start + 0.65);
    });
  }

  function show(board) {
    calls.replaceChildren.apply(calls, board.last_calls.map(function (call, index) {
      var li = item([["code", call.code], ["arrow", "→"], ["window", call.window]]);
      if (index === 0) li.className = "newest";
      return li;
    }));
    var newest = board.last_calls.reduce(function (latest, call) {
      var at = Date.parse(call.at);
      return at > latest ? at : latest;
    }, 0);
    // A ticket put back in line leaves the list: only a call made later chimes. The server
    // sends a busy office's board a few times a second at most, so one event may bring
    // several calls: each chimes, one after another.
    if (lastCall !== null && chimeOn) {
      board.last_calls
        .filter(function (call) { return Date.parse(call.at) > lastCall; })
        .forEach(function (call, index) { chime(index * 0.8); });
    }
    if (lastCall === null || newest > lastCall) lastCall = newest;
    var names = data.names[data.languages[language]];
    waiting.replaceChildren.apply(waiting, Object.keys(board.waiting).map(function (code) {
      var li = document.createElement("li");
      var name = document.createElement("span");
      name.dataset.service = code;
      name.textContent = names[code] || code;
      var count = document.createElement("strong");
      count.textContent = String(board.waiting[code]);
      li.append(name, count);
      return li;
    }));
  }

  function relabel() {
    var code = data.languages[language];
    document.documentElement.lang = code;
    document.querySelectorAll("[data-label]").forEach(function (node) {
      var text = data.labels[code][Number(node.dataset.label)];
      if (node.tagName === "BUTTON") {
        node.title = text;
        node.setAttribute("aria-label", text);
      } else {
        node.textContent = text;
      }
    });
    document.querySelectorAll("[data-service]").forEach(function (node) {
      node.textContent = data.names[code][node.dataset.service] || node.dataset.service;
    });
    document.querySelector("[data-name=office]").textContent = data.offices[code];
    document.title = data.offices[code] + " · Kezek";
    banner.textContent = data.labels[code][4];
  }

  var pause = 3000; // before starting over; doubled each time, so that a full server rests
  function connect() {
    var source = new EventSource(data.stream);
    source.addEventListener("board", function (event) {
      banner.hidden = true;
      pause = 3000;
      show(JSON.parse(event.data));
    });
    source.addEventListener("error", function () {
      banner.hidden = false;
      // The browser retries a dropped stream by itself, but gives up for good after an
      // answer that is not a stream (a proxy's 502 while the server restarts, a 503 when
      // the server holds all the boards it can): start over, later each time, never all
      // boards at the same instant.
      if (source.readyState !== EventSource.CLOSED) return;
      setTimeout(connect, pause * (0.75 + Math.random() / 2));
      pause = Math.min(pause * 2, 60000);
    });
  }
  connect();

  if (data.languages.length > 1) {
    setInterval(function () {
      language = (language + 1) % data.languages.length;
      relabel();
    }, 10000);
  }

  chimeButton.hidden = false;
  chimeButton.addEventListener("click", function () {
    // The first tap is the one browsers wait for before playing sound: with the chime
    // asked for (?chime=on), it lets the sound play rather than turning it off.
    var silent = chimeOn && audio && audio.state !== "running";
    if (!silent) chimeOn = !chimeOn;
    chimeButton.setAttribute("aria-pressed", String(chimeOn));
    if (chimeOn && !audio && window.AudioContext) audio = new window.AudioContext();
    if (chimeOn && audio && audio.state !== "running") audio.resume();
    if (chimeOn) chime(0);
  });
  if (chimeOn && window.AudioContext) audio = new window.AudioContext();

  fullButton.hidden = !document.documentElement.requestFullscreen;
  fullButton.addEventListener("click", function () {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen();
  });
})();
