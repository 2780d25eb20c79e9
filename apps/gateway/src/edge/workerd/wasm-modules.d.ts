/** wrangler's `CompiledWasm` module rule: importing a `.wasm` file yields a compiled module. */
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
