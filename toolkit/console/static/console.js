// 督查台账工具箱 控制台: copy buttons, job progress, file drop, table sort and filter. No build step, no CDN.
"use strict";

function copyText(id, button) {
  const area = document.getElementById(id);
  if (!area) return;
  const done = () => { button.textContent = "已复制"; setTimeout(() => { button.textContent = "复制"; }, 1500); };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(area.value).then(done, () => { area.select(); document.execCommand("copy"); done(); });
  } else {
    area.select(); document.execCommand("copy"); done();
  }
}

function pollJob(box) {
  const bar = box.querySelector("progress");
  const step = box.querySelector(".job-step");
  const tick = () => fetch(box.dataset.jobUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
    .then(r => r.json())
    .then(job => {
      bar.max = job.total || 1; bar.value = job.done;
      step.textContent = job.step + (job.total ? `（${job.done}/${job.total}）` : "");
      if (job.state === "running") { setTimeout(tick, 500); } else { window.location.reload(); }
    })
    .catch(() => setTimeout(tick, 1500));
  tick();
}

function uploadFiles(zone, fileList) {
  const status = zone.querySelector(".drop-status");
  const data = new FormData();
  for (const f of fileList) {
    data.append("files", f, f.name);
    data.append("modified", String(f.lastModified || ""));   // when the unit's file was saved: 迟报 is judged by it
  }
  status.textContent = `正在上传 ${fileList.length} 个文件……`;
  fetch(zone.dataset.uploadUrl, {method: "POST", body: data, credentials: "same-origin",
                                 headers: {"X-Requested-With": "fetch", "Accept": "application/json"}})
    .then(r => r.json())
    .then(result => {
      const refused = result.refused || (result.error ? [result.error] : []);
      status.textContent = `已放入 ${(result.saved || []).length} 个文件。` + refused.join(" ");
      if (!refused.length) window.location.reload();
    })
    .catch(() => { status.textContent = "上传失败，请重试。"; });
}

function setupDrop(zone) {
  const input = zone.querySelector("input[type=file]");
  ["dragenter", "dragover"].forEach(e => zone.addEventListener(e, ev => { ev.preventDefault(); zone.classList.add("over"); }));
  ["dragleave", "drop"].forEach(e => zone.addEventListener(e, ev => { ev.preventDefault(); zone.classList.remove("over"); }));
  zone.addEventListener("drop", ev => { if (ev.dataTransfer.files.length) uploadFiles(zone, ev.dataTransfer.files); });
  if (input) input.addEventListener("change", () => { if (input.files.length) uploadFiles(zone, input.files); });
}

function sortTable(table, col, th) {
  const body = table.tBodies[0];
  const asc = !th.classList.contains("asc");
  table.querySelectorAll("th").forEach(h => h.classList.remove("asc", "desc"));
  th.classList.add(asc ? "asc" : "desc");
  const key = row => row.cells[col] ? row.cells[col].textContent.trim() : "";
  const rows = Array.from(body.rows);
  rows.sort((a, b) => {
    const x = key(a), y = key(b);
    const nx = parseFloat(x), ny = parseFloat(y);
    const cmp = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y, "zh-CN", {numeric: true});
    return asc ? cmp : -cmp;
  });
  rows.forEach(r => body.appendChild(r));
}

function filterTable(table) {
  const needles = Array.from(document.querySelectorAll(`[data-filter-for="${table.id}"]`))
    .map(el => el.value.trim().toLowerCase()).filter(Boolean);
  let shown = 0;
  for (const row of table.tBodies[0].rows) {
    const text = row.textContent.toLowerCase();
    const keep = needles.every(n => text.includes(n));
    row.hidden = !keep;
    if (keep) shown += 1;
  }
  table.dataset.shown = shown;
}

function showNames(input) {
  const label = document.querySelector(`[data-names-for="${input.id}"]`);
  if (label) label.textContent = Array.from(input.files).map(f => f.name).join("、") || "未选择文件";
}

document.addEventListener("DOMContentLoaded", () => {
  document.documentElement.classList.add("js");
  document.querySelectorAll("input[type=file]").forEach(i => i.addEventListener("change", () => showNames(i)));
  document.querySelectorAll("[data-copy]").forEach(b => b.addEventListener("click", ev => {
    ev.preventDefault(); copyText(b.dataset.copy, b);
  }));
  document.querySelectorAll("[data-job-url]").forEach(pollJob);
  document.querySelectorAll("[data-drop]").forEach(setupDrop);
  document.querySelectorAll("table[data-sortable]").forEach(table => {
    table.querySelectorAll("th").forEach((th, i) => th.addEventListener("click", () => sortTable(table, i, th)));
  });
  document.querySelectorAll("[data-filter-for]").forEach(el => {
    const table = document.getElementById(el.dataset.filterFor);
    if (table) el.addEventListener("input", () => filterTable(table));
    if (table) el.addEventListener("change", () => filterTable(table));
  });
});
