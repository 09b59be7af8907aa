import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// The engine as one ES module (engine.js) with its decoding worker and codecs beside it, written where ResultsApi
// serves the viewer's files; the shell (wwwroot/viewer/viewer.js) imports it when a series is opened.
export default defineConfig({
  // Relative addresses: the worker and the codecs load from beside engine.js (/viewer/engine/), not from the site's root.
  base: "./",
  resolve: {
    // vtk.js (under Cornerstone) imports xmlbuilder2 for its XML file reader and writer only, which the viewer never
    // uses; bundled, xmlbuilder2's circular CommonJS modules break the engine at load ("Class extends value undefined").
    alias: { xmlbuilder2: fileURLToPath(new URL("./src/xmlbuilder2-unused.js", import.meta.url)) },
  },
  build: {
    outDir: "../ResultsApi/wwwroot/viewer/engine",
    emptyOutDir: true,
    lib: { entry: "src/engine.js", formats: ["es"], fileName: "engine" },
  },
  worker: { format: "es" },
});
