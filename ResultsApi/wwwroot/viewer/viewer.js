// The viewer's shell: log in, find studies through QIDO-RS, open one and list its series. Every call goes to this
// ResultsApi with the signed-in user's bearer token, so the user sees exactly the sources the API lets them see.
// DICOM values are shown as text only (textContent), never as markup.

const tokenKey = "imaging-viewer-token";
const userKey = "imaging-viewer-user";
const pageSize = 25;
const tags = {
  studyUid: "0020000D", seriesUid: "0020000E", patientName: "00100010", patientId: "00100020", studyDate: "00080020",
  accession: "00080050", studyDescription: "00081030", modalities: "00080061", modality: "00080060",
  seriesNumber: "00200011", seriesDescription: "0008103E", studySeries: "00201206", studyInstances: "00201208", seriesInstances: "00201209",
};

const $ = (id) => document.getElementById(id);
let offset = 0;
let criteria = new URLSearchParams();

/** A value of a DICOM JSON attribute as text: a person name's alphabetic form, several values joined. */
function text(item, tag) {
  const values = item?.[tag]?.Value ?? [];
  return values.map((v) => (typeof v === "object" && v !== null ? v.Alphabetic ?? "" : String(v))).join(", ");
}

function show(pane) {
  for (const id of ["login-pane", "studies-pane", "study-pane"]) {
    $(id).hidden = id !== pane;
  }
  $("logout").hidden = pane === "login-pane";
  $("who").textContent = pane === "login-pane" ? "" : sessionStorage.getItem(userKey) ?? "";
}

function loggedOut(message) {
  sessionStorage.removeItem(tokenKey);
  $("login-error").textContent = message ?? "";
  show("login-pane");
}

/** GET of ResultsApi with the user's token; a 401 ends the session. */
async function get(path) {
  const response = await fetch(path, {
    headers: { Accept: "application/dicom+json", Authorization: `Bearer ${sessionStorage.getItem(tokenKey)}` },
  });
  if (response.status === 401) {
    loggedOut("Your session has ended: log in again.");
    throw new Error("401");
  }
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    throw new Error(problem.detail ?? `${response.status} ${response.statusText}`);
  }
  return response.status === 204 ? [] : response.json();
}

function row(cells, onOpen) {
  const tr = document.createElement("tr");
  for (const value of cells) {
    const td = document.createElement("td");
    td.textContent = value;
    tr.append(td);
  }
  tr.tabIndex = 0;
  tr.addEventListener("click", onOpen);
  tr.addEventListener("keydown", (e) => e.key === "Enter" && onOpen());
  return tr;
}

async function listStudies() {
  show("studies-pane");
  const query = new URLSearchParams(criteria);
  query.set("limit", String(pageSize + 1));
  query.set("offset", String(offset));
  query.append("includefield", tags.studyDescription);
  $("studies-status").textContent = "Searching…";
  const body = $("studies").tBodies[0];
  try {
    const studies = await get(`/dicom-web/studies?${query}`);
    body.replaceChildren(...studies.slice(0, pageSize).map((s) => row(
      [text(s, tags.patientName), text(s, tags.patientId), text(s, tags.studyDate), text(s, tags.modalities),
        text(s, tags.accession), text(s, tags.studyDescription), text(s, tags.studySeries), text(s, tags.studyInstances)],
      () => openStudy(text(s, tags.studyUid), true))));
    $("studies-status").textContent = studies.length === 0 ? "No study matches." : `Studies ${offset + 1} to ${offset + Math.min(studies.length, pageSize)}.`;
    $("previous").disabled = offset === 0;
    $("next").disabled = studies.length <= pageSize;
  } catch (error) {
    body.replaceChildren();
    if (error.message !== "401") {
      $("studies-status").textContent = `The search failed: ${error.message}`;
    }
  }
}

async function openStudy(studyUid, push) {
  if (push) {
    history.pushState(null, "", `?StudyInstanceUIDs=${encodeURIComponent(studyUid)}`);
  }
  show("study-pane");
  $("study-title").textContent = studyUid;
  $("study-status").textContent = "Loading…";
  const body = $("series").tBodies[0];
  body.replaceChildren();
  try {
    // The study through the user's own search first: one the user may not see is "not found", as the API answers it.
    const [study] = await get(`/dicom-web/studies?StudyInstanceUID=${encodeURIComponent(studyUid)}&includefield=${tags.studyDescription}`);
    if (!study) {
      $("study-status").textContent = "No study with this UID that you may see.";
      return;
    }
    $("study-title").textContent = [text(study, tags.patientName), text(study, tags.studyDate), text(study, tags.studyDescription)]
      .filter((part) => part.length > 0).join(" · ");
    const series = await get(`/dicom-web/studies/${encodeURIComponent(studyUid)}/series?includefield=${tags.seriesDescription}`);
    body.replaceChildren(...series.map((s) => row(
      [text(s, tags.seriesNumber), text(s, tags.modality), text(s, tags.seriesDescription), text(s, tags.seriesInstances), text(s, tags.seriesUid)],
      () => openSeries(studyUid, text(s, tags.seriesUid), text(s, tags.modality)))));
    $("study-status").textContent = `${series.length} series.`;
  } catch (error) {
    if (error.message !== "401") {
      $("study-status").textContent = `The study could not be read: ${error.message}`;
    }
  }
}

/** Shows a series' images with the engine (Cornerstone3D, built from viewer/ into ./engine), which loads on first use. */
async function openSeries(studyUid, seriesUid, modality) {
  $("image-pane").hidden = false;
  $("presets").hidden = modality !== "CT";
  $("image-status").textContent = "Loading the images…";
  let engine;
  try {
    engine = await import("./engine/engine.js");
  } catch (error) {
    $("image-status").textContent = `The image engine could not be loaded (${error.message}); scripts/build-viewer.sh builds it.`;
    return;
  }
  try {
    const metadata = await get(`/dicom-web/studies/${encodeURIComponent(studyUid)}/series/${encodeURIComponent(seriesUid)}/metadata`);
    await engine.start(() => sessionStorage.getItem(tokenKey));
    await engine.showSeries($("viewport"), studyUid, seriesUid, metadata,
      (index, count) => { $("image-status").textContent = `Image ${index + 1} of ${count}`; });
    for (const button of $("presets").querySelectorAll("button")) {
      button.onclick = () => engine.setWindow(engine.ctPresets[button.dataset.preset]);
    }
    $("reset").onclick = () => engine.reset();
    $("measure").onclick = () => {
      const on = $("measure").getAttribute("aria-pressed") !== "true";
      $("measure").setAttribute("aria-pressed", String(on));
      engine.measure(on);
    };
    $("viewport").focus();
  } catch (error) {
    if (error.message !== "401") {
      $("image-status").textContent = `The images could not be shown: ${error.message}`;
    }
  }
}

/** Where the address points: a study (?StudyInstanceUIDs=…, as OHIF's links) or the study list. */
function route() {
  const study = new URLSearchParams(location.search).get("StudyInstanceUIDs");
  return study ? openStudy(study.split(",")[0], false) : listStudies();
}

$("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const response = await fetch("/api/v1/userlogin/login", { method: "POST", body: new URLSearchParams(form) });
  if (!response.ok) {
    $("login-error").textContent = response.status === 429 ? "Too many attempts: wait a moment." : "Wrong user or password.";
    return;
  }
  sessionStorage.setItem(tokenKey, (await response.json()).access_token);
  sessionStorage.setItem(userKey, String(form.get("username")));
  event.target.reset();
  $("login-error").textContent = "";
  await route();
});

$("search").addEventListener("submit", (event) => {
  event.preventDefault();
  criteria = new URLSearchParams();
  for (const [key, value] of new FormData(event.target)) {
    const given = String(value).trim();
    if (given.length > 0) {
      // A name or ID typed without wildcards matches as a prefix, as people search.
      criteria.set(key, (key === "PatientName" || key === "PatientID") && !/[*?]/.test(given) ? `${given}*` : given);
    }
  }
  offset = 0;
  listStudies();
});

$("previous").addEventListener("click", () => { offset = Math.max(0, offset - pageSize); listStudies(); });
$("next").addEventListener("click", () => { offset += pageSize; listStudies(); });
$("back").addEventListener("click", () => { history.pushState(null, "", location.pathname); listStudies(); });
$("logout").addEventListener("click", () => loggedOut());
window.addEventListener("popstate", () => route());

if (sessionStorage.getItem(tokenKey)) {
  route();
} else {
  loggedOut();
}
