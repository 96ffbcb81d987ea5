/**
 * `.wasm` imports in the Workers function: the bundler leaves them to the runtime (scripts/build-worker.mjs), and
 * Workers (wrangler's CompiledWasm rule, Miniflare) hand the file over as a compiled WebAssembly.Module.
 */
declare module '*.wasm' {
  const compiled: import('../src/runtime/wasm/engine.js').WasmModule;
  export default compiled;
}
