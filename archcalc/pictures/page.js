"use strict";
// archcalc report: opening blocks (table rows, drawings), the --explain arithmetic on hover
// and click, and the chart under the pointer. Text goes in with textContent; the rows and
// drawings of blocks come from the payload, which archcalc wrote with every text escaped.
async function payload() {
  const node = document.getElementById("payload");
  const bytes = Uint8Array.from(atob(node.textContent.trim()), function (c) { return c.charCodeAt(0); });
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return JSON.parse(await new Response(stream).text());
}
payload().then(function (data) {
  const tip = document.getElementById("tip");
  const pane = document.getElementById("explain");
  const CELL = {o: "output", p: "params", m: "MACs", f: "FLOPs", a: "activations", r: "RF"};
  const CHART = {params: 2, macs: 3, memory: 4, rf: 5};
  const label = {params: "params", macs: "MACs", memory: "memory", rf: "RF"};

  function lines(rows) {
    return rows.map(function (row) { return "  " + row[0].padEnd(12) + row[1]; }).join("\n");
  }
  function explain(title, rows) {
    pane.querySelector("pre").textContent = title + "\n" + lines(rows);
    pane.hidden = false;
  }
  function showTip(text, event) {
    if (!text) { tip.hidden = true; return; }
    tip.textContent = text;
    tip.hidden = false;
    const x = Math.min(event.clientX + 14, window.innerWidth - tip.offsetWidth - 8);
    tip.style.left = Math.max(x, 0) + "px";
    tip.style.top = (event.clientY + 16) + "px";
  }
  function layerTip(i) {
    const l = data.layers[i];
    return l[0] + "  " + l[6] + "\noutput " + l[7] + "  params " + l[2] + "  MACs " + l[3] + "  RF " + l[5];
  }
  function explainLayer(i) {
    const layer = data.layers[i];
    explain(layer[0], layer[1]);
    document.querySelectorAll("tr.picked").forEach(function (tr) { tr.classList.remove("picked"); });
    const row = document.querySelector('tr[data-i="' + i + '"]');
    if (row) { row.classList.add("picked"); }
  }

  // ---- the table: a block's header shows its own rows; closing it hides all inside
  function setOpen(key, open) {
    const head = document.querySelector('tr[data-key="' + key + '"]');
    head.setAttribute("aria-expanded", open ? "true" : "false");
    if (open && !head.dataset.filled) {
      head.insertAdjacentHTML("afterend", data.blocks[key].rows);
      head.dataset.filled = "true";
    } else if (open) {
      document.querySelectorAll('tr[data-in="' + key + '"]').forEach(function (tr) { tr.hidden = false; });
    } else {
      document.querySelectorAll("tr.a" + key).forEach(function (tr) {
        tr.hidden = true;
        if (tr.dataset.key) { tr.setAttribute("aria-expanded", "false"); }
      });
    }
  }
  const table = document.getElementById("layers");
  table.addEventListener("click", function (event) {
    const tr = event.target.closest("tr");
    if (!tr || !tr.parentElement || tr.parentElement.tagName !== "TBODY") { return; }
    if (tr.dataset.key) {
      setOpen(tr.dataset.key, tr.getAttribute("aria-expanded") !== "true");
      const rows = data.blocks[tr.dataset.key].explain;
      if (rows) { explain(tr.querySelector("td.n").textContent.replace("▸", "").trim(), rows); }
    } else if (tr.dataset.i) {
      explainLayer(Number(tr.dataset.i));
    }
  });
  table.addEventListener("mouseover", function (event) {
    const td = event.target.closest("td");
    const tr = td && td.parentElement;
    if (!tr || !tr.dataset.i) { tip.hidden = true; return; }
    const figure = CELL[td.className];
    const row = figure && data.layers[Number(tr.dataset.i)][1].find(function (r) { return r[0] === figure; });
    showTip(row ? row[1] : "", event);
  });
  table.addEventListener("mouseleave", function () { tip.hidden = true; });
  document.getElementById("expand-all").addEventListener("click", function () {
    let closed = document.querySelectorAll('#layers tr[data-key][aria-expanded="false"]');
    while (closed.length) {
      closed.forEach(function (tr) { setOpen(tr.dataset.key, true); });
      closed = document.querySelectorAll('#layers tr[data-key][aria-expanded="false"]');
    }
  });
  document.getElementById("collapse-all").addEventListener("click", function () {
    document.querySelectorAll("#layers tbody tr").forEach(function (tr) {
      tr.hidden = Boolean(tr.dataset.in);
      if (tr.dataset.key) { tr.setAttribute("aria-expanded", "false"); }
    });
  });

  // ---- the drawings: a block opens its own drawing in a panel below the one clicked
  const panels = document.getElementById("panels");
  function openBlock(group, key) {
    const level = Number(group.closest(".panel").dataset.level);
    panels.querySelectorAll(".panel").forEach(function (p) {
      if (Number(p.dataset.level) > level) { p.remove(); }
    });
    group.closest(".panel").querySelectorAll(".block.selected").forEach(function (g) { g.classList.remove("selected"); });
    group.classList.add("selected");
    const panel = document.createElement("div");
    panel.className = "panel";
    panel.dataset.level = String(level + 1);
    const close = document.createElement("button");
    close.type = "button";
    close.className = "close";
    close.textContent = "close";
    close.addEventListener("click", function () { panel.remove(); group.classList.remove("selected"); });
    const heading = document.createElement("h3");
    heading.textContent = group.querySelector("title").textContent;
    const scroll = document.createElement("div");
    scroll.className = "scroll";
    scroll.insertAdjacentHTML("beforeend", data.blocks[key].svg);
    panel.append(close, heading, scroll);
    panels.appendChild(panel);
    panel.scrollIntoView({block: "nearest"});
  }
  document.addEventListener("click", function (event) {
    const target = event.target;
    if (!(target instanceof Element)) { return; }
    const block = target.closest("svg .block");
    const layer = target.closest("svg .layer");
    if (block && block.dataset.key) {
      openBlock(block, block.dataset.key);
      const rows = data.blocks[block.dataset.key].explain;
      if (rows) { explain(block.querySelector("title").textContent, rows); }
    } else if (layer && layer.dataset.i) {
      explainLayer(Number(layer.dataset.i));
    }
  });

  // ---- the charts: the bar under the pointer
  function barAt(rect, event) {
    const box = rect.getBoundingClientRect();
    const n = Number(rect.dataset.n);
    return Math.min(n - 1, Math.max(0, Math.floor((event.clientX - box.left) / box.width * n)));
  }
  document.querySelectorAll("rect.hit").forEach(function (rect) {
    const chart = rect.dataset.chart;
    rect.addEventListener("mousemove", function (event) {
      const layer = data.layers[barAt(rect, event)];
      showTip(layer[0] + "  " + label[chart] + " " + layer[CHART[chart]], event);
    });
    rect.addEventListener("mouseleave", function () { tip.hidden = true; });
    rect.addEventListener("click", function (event) { explainLayer(barAt(rect, event)); });
  });

  // ---- the totals and the explain pane
  document.querySelectorAll(".card").forEach(function (card) {
    const row = data.totals.find(function (r) { return r[0] === card.dataset.total; });
    card.addEventListener("mousemove", function (event) { showTip(row ? row[1] : "", event); });
    card.addEventListener("mouseleave", function () { tip.hidden = true; });
    card.addEventListener("click", function () { explain("total", data.totals); });
  });
  pane.querySelector(".close").addEventListener("click", function () { pane.hidden = true; });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { pane.hidden = true; }
  });
  document.addEventListener("mouseover", function (event) {
    const target = event.target;
    const layer = target instanceof Element && target.closest("svg .layer");
    if (layer && layer.dataset.i) { showTip(layerTip(Number(layer.dataset.i)), event); }
    else if (layer) { tip.hidden = true; }
  });
  document.addEventListener("mouseout", function (event) {
    const target = event.target;
    if (target instanceof Element && target.closest("svg .layer")) { tip.hidden = true; }
  });
  document.body.dataset.ready = "true";
});
