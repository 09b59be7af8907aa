// The viewer's image engine: Cornerstone3D's stack viewport over WADO-RS, with the signed-in user's token on every
// request. The shell (ResultsApi/wwwroot/viewer/viewer.js) loads it when a series is opened.
import { init as initCore, RenderingEngine, Enums } from "@cornerstonejs/core";
import { init as initLoader, wadors } from "@cornerstonejs/dicom-image-loader";

let started;
let engine;

/** Starts Cornerstone once; every image request then carries the token getToken() gives at that moment. */
export function start(getToken) {
  started ??= (async () => {
    await initCore();
    initLoader({ maxWebWorkers: 1, beforeSend: () => ({ Authorization: `Bearer ${getToken()}` }) });
  })();
  return started;
}

/**
 * Shows a series in element: one image per frame of each instance, in the order of the series' metadata (DICOM JSON
 * from WADO-RS /metadata), the first one at once. Returns how many images the stack holds.
 */
export async function showSeries(element, studyUid, seriesUid, metadata) {
  const base = `${location.origin}/dicom-web/studies/${studyUid}/series/${seriesUid}/instances`;
  const ordered = [...metadata].sort((a, b) => number(a, "00200013") - number(b, "00200013"));
  const imageIds = [];
  for (const item of ordered) {
    const sop = item["00080018"].Value[0];
    for (let frame = 1; frame <= Math.max(1, number(item, "00280008")); frame++) {
      const imageId = `wadors:${base}/${sop}/frames/${frame}`;
      wadors.metaDataManager.add(imageId, item);
      imageIds.push(imageId);
    }
  }
  engine ??= new RenderingEngine("viewer");
  engine.enableElement({ viewportId: "stack", type: Enums.ViewportType.STACK, element });
  const viewport = engine.getViewport("stack");
  await viewport.setStack(imageIds, 0);
  viewport.render();
  return imageIds.length;
}

function number(item, tag) {
  return Number(item?.[tag]?.Value?.[0] ?? 0);
}
