// Stands in for xmlbuilder2 (see vite.config.js): vtk.js's XML reader and writer are not part of the viewer.
export function create() {
  throw new Error("vtk.js's XML reader and writer are not part of the viewer.");
}
