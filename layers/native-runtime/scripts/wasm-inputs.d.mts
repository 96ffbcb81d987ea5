// Types for wasm-inputs.mjs (plain JS so build-wasm.sh can run it without a TypeScript step).
export declare const NATIVE_ROOT: string;
export declare const PREBUILT_WASM: string;
export declare const PREBUILT_RECORD: string;
export declare function wasmInputs(): string[];
export declare function wasmInputsDigest(): string;
export declare function sha256File(file: string): string;
