{
  # Sources are every .cc under src/ (kernels register themselves by op name), listed by scripts/list-sources.cjs.
  # Baseline is x86-64 with AVX2+FMA (every Lambda x86_64 host has it); AVX-512 kernels live in *_avx512.cc files
  # that enable it with a target pragma and are chosen at run time, never with -march=native.
  "variables": {
    "sanitize%": "<!(node -p \"process.env.MINDLET_SANITIZE || ''\")"
  },
  "targets": [
    {
      "target_name": "mindlet_native",
      "sources": ["<!@(node scripts/list-sources.cjs)"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "src"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O3", "-mavx2", "-mfma", "-mf16c", "-fno-math-errno", "-Wall", "-Wno-unused-parameter", "-Wno-sign-compare"],
      "ldflags": ["-static-libstdc++", "-Wl,--as-needed", "-pthread"],
      "conditions": [
        ["sanitize=='1'", {
          "cflags_cc": ["-O1", "-g", "-fno-omit-frame-pointer", "-fsanitize=address,undefined", "-fno-sanitize-recover=undefined"],
          "ldflags": ["-fsanitize=address,undefined"]
        }]
      ]
    }
  ]
}
