// The board follows its office's event stream and switches language every ten seconds.
// The stream is reopened after any drop; the banner shows while the board is away.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("board-data").textContent);
  var calls = document.getElementById("calls");
  var waiting = document.getElementById("waiting");
  var banner = document.getElementById("reconnecting");
  var language = 0;

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

  function show(board) {
    calls.replaceChildren.apply(calls, board.last_calls.map(function (call, index) {
      var li = item([["code", call.code], ["arrow", "→"], ["window", call.window]]);
      if (index === 0) li.className = "newest";
      return li;
    }));
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
      node.textContent = data.labels[code][Number(node.dataset.label)];
    });
    document.querySelectorAll("[data-service]").forEach(function (node) {
      node.textContent = data.names[code][node.dataset.service] || node.dataset.service;
    });
    banner.textContent = data.labels[code][4];
  }

  function connect() {
    var source = new EventSource(data.stream);
    source.addEventListener("board", function (event) {
      banner.hidden = true;
      show(JSON.parse(event.data));
    });
    source.addEventListener("error", function () {
      banner.hidden = false;
      // The browser retries a dropped stream by itself, but gives up for good after an
      // answer that is not a stream (a proxy's 502 while the server restarts): start over.
      if (source.readyState === EventSource.CLOSED) setTimeout(connect, 3000);
    });
  }
  connect();

  if (data.languages.length > 1) {
    setInterval(function () {
      language = (language + 1) % data.languages.length;
      relabel();
    }, 10000);
  }
  document.getElementById("full-screen").addEventListener("click", function () {
    if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen();
  });
})();
