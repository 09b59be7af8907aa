// The viewer's image engine: Cornerstone3D's stack viewport over WADO-RS, with the signed-in user's token on every
// request. The shell (ResultsApi/wwwroot/viewer/viewer.js) loads it when a series is opened.
import { init as initCore, RenderingEngine, Enums } from "@cornerstonejs/core";
import { init as initLoader, wadors } from "@cornerstonejs/dicom-image-loader";
import {
  init as initTools, addTool, ToolGroupManager, Enums as ToolEnums, utilities as toolUtilities,
  StackScrollTool, ZoomTool, PanTool, WindowLevelTool, LengthTool,
} from "@cornerstonejs/tools";

const viewportId = "stack";
const toolGroupId = "viewer";
let started;
let engine;
let viewport;

/** Window presets for CT, in Hounsfield units: the usual ones for the chest and the skeleton. */
export const ctPresets = {
  Lung: { center: -600, width: 1500 },
  Mediastinum: { center: 50, width: 350 },
  Bone: { center: 400, width: 1800 },
};

/** Starts Cornerstone once; every image request then carries the token getToken() gives at that moment. */
export function start(getToken) {
  started ??= (async () => {
    await initCore();
    initLoader({ maxWebWorkers: 2, beforeSend: () => ({ Authorization: `Bearer ${getToken()}` }) });
    initTools();
    for (const tool of [StackScrollTool, ZoomTool, PanTool, WindowLevelTool, LengthTool]) {
      addTool(tool);
    }
  })();
  return started;
}

/**
 * Shows a series in element: one image per frame of each instance, in instance-number order, the first one at once,
 * the others fetched ahead so scrolling does not wait. Mouse: left drag window/level, middle drag pan, right drag
 * zoom, wheel scroll; the keyboard's arrows scroll too. onImage(index, count) follows the image shown.
 */
export async function showSeries(element, studyUid, seriesUid, metadata, onImage) {
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
  engine.enableElement({ viewportId, type: Enums.ViewportType.STACK, element });
  viewport = engine.getViewport(viewportId);
  const tools = ToolGroupManager.getToolGroup(toolGroupId) ?? createToolGroup();
  tools.addViewport(viewportId, engine.id);
  element.addEventListener(Enums.Events.STACK_NEW_IMAGE, () => onImage?.(viewport.getCurrentImageIdIndex(), imageIds.length));
  element.tabIndex = 0;
  element.onkeydown = (event) => {
    const step = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 }[event.key];
    if (step !== undefined) {
      event.preventDefault();
      goTo(viewport.getCurrentImageIdIndex() + step);
    }
  };

  await viewport.setStack(imageIds, 0);
  toolUtilities.stackPrefetch.enable(element);
  viewport.render();
  onImage?.(0, imageIds.length);
  return imageIds.length;
}

/** Shows image index (0-based) of the stack, kept within it. */
export function goTo(index) {
  const count = viewport.getImageIds().length;
  return viewport.setImageIdIndex(Math.min(Math.max(index, 0), count - 1));
}

/** Sets the window (center and width, in the image's modality units: Hounsfield units for CT). */
export function setWindow({ center, width }) {
  viewport.setProperties({ voiRange: { lower: center - width / 2, upper: center + width / 2 } });
  viewport.render();
}

/** Back to the image's own window, zoom and position. */
export function reset() {
  viewport.resetProperties();
  viewport.resetCamera();
  viewport.render();
}

/** Lets the left button measure lengths instead of setting the window, or back. */
export function measure(on) {
  const tools = ToolGroupManager.getToolGroup(toolGroupId);
  const primary = [{ mouseButton: ToolEnums.MouseBindings.Primary }];
  tools.setToolPassive(on ? WindowLevelTool.toolName : LengthTool.toolName);
  tools.setToolActive(on ? LengthTool.toolName : WindowLevelTool.toolName, { bindings: primary });
}

function createToolGroup() {
  const tools = ToolGroupManager.createToolGroup(toolGroupId);
  for (const tool of [StackScrollTool, ZoomTool, PanTool, WindowLevelTool, LengthTool]) {
    tools.addTool(tool.toolName);
  }
  const { Primary, Auxiliary, Secondary, Wheel } = ToolEnums.MouseBindings;
  tools.setToolActive(WindowLevelTool.toolName, { bindings: [{ mouseButton: Primary }] });
  tools.setToolActive(PanTool.toolName, { bindings: [{ mouseButton: Auxiliary }] });
  tools.setToolActive(ZoomTool.toolName, { bindings: [{ mouseButton: Secondary }] });
  tools.setToolActive(StackScrollTool.toolName, { bindings: [{ mouseButton: Wheel }] });
  tools.setToolPassive(LengthTool.toolName);
  return tools;
}

function number(item, tag) {
  return Number(item?.[tag]?.Value?.[0] ?? 0);
}
