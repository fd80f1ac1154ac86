// Live updates for ptflow ui. The pages are complete without this script; it only refreshes, while a run
// is in progress, the step states of the run page and the log of a running step, by polling small JSON
// documents (GET only, same origin).
(function () {
  "use strict";
  var PERIOD_MS = 1000;

  function setState(element, state) {
    var kept = Array.prototype.filter.call(element.classList, function (name) { return name.indexOf("st-") !== 0; });
    element.setAttribute("class", kept.concat(["st-" + state]).join(" "));
  }

  function byNode(selector) {
    var found = {};
    document.querySelectorAll(selector).forEach(function (element) {
      var id = element.getAttribute("data-node");
      (found[id] = found[id] || []).push(element);
    });
    return found;
  }

  function followRun(frame) {
    var url = frame.getAttribute("data-state-url");
    function poll() {
      fetch(url, {cache: "no-store"}).then(function (answer) { return answer.json(); }).then(function (run) {
        var nodes = byNode("g.node[data-node]");
        var rows = byNode("tr[data-node]");
        Object.keys(run.steps).forEach(function (id) {
          var step = run.steps[id];
          (nodes[id] || []).forEach(function (node) {
            setState(node, step.state);
            var text = node.querySelector("text.status");
            if (text) { text.textContent = step.text; }
          });
          (rows[id] || []).forEach(function (row) {
            var badge = row.querySelector("[data-role=state]");
            if (badge) { setState(badge, step.state); badge.classList.add("badge"); badge.textContent = step.text; }
          });
        });
        var status = document.getElementById("run-status");
        if (status) { setState(status, run.status); status.classList.add("badge"); status.textContent = run.status; }
        var took = document.getElementById("run-took");
        if (took) { took.textContent = run.took; }
        frame.setAttribute("data-run-status", run.status);
        if (run.status === "running") { setTimeout(poll, PERIOD_MS); }
      }).catch(function () { setTimeout(poll, 5 * PERIOD_MS); });
    }
    poll();
  }

  function followLog(section) {
    var url = section.getAttribute("data-log-url");
    var log = document.getElementById("log");
    function poll() {
      fetch(url, {cache: "no-store"}).then(function (answer) { return answer.json(); }).then(function (tail) {
        var atBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
        if (log && log.textContent !== tail.text) {
          log.textContent = tail.text;
          if (atBottom) { window.scrollTo(0, document.body.scrollHeight); }
        }
        var state = document.getElementById("execution-state");
        if (tail.running) {
          setTimeout(poll, PERIOD_MS);
        } else {
          if (state) { setState(state, tail.status === "running" ? "interrupted" : tail.status); state.classList.add("badge"); }
          window.location.reload();  // the step ended: show its outputs
        }
      }).catch(function () { setTimeout(poll, 5 * PERIOD_MS); });
    }
    setTimeout(poll, PERIOD_MS);
  }

  function waitForStep(note) {
    // A pending step's page: reload once the step has started (or was skipped), to show its record.
    var url = note.getAttribute("data-state-url");
    var node = note.getAttribute("data-node");
    function poll() {
      fetch(url, {cache: "no-store"}).then(function (answer) { return answer.json(); }).then(function (run) {
        var step = run.steps[node];
        if (step && step.state !== "pending") { window.location.reload(); return; }
        if (run.status === "running") { setTimeout(poll, PERIOD_MS); }
      }).catch(function () { setTimeout(poll, 5 * PERIOD_MS); });
    }
    setTimeout(poll, PERIOD_MS);
  }

  var frame = document.getElementById("dag");
  if (frame && frame.getAttribute("data-live") === "yes") { followRun(frame); }
  var execution = document.getElementById("execution");
  if (execution && execution.getAttribute("data-live") === "yes") { followLog(execution); }
  var waiting = document.getElementById("waiting");
  if (waiting && waiting.getAttribute("data-live") === "yes") { waitForStep(waiting); }
})();
