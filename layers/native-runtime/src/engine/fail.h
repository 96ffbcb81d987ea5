// The one way engine and kernel code reports an error the caller caused (bad model, bad input).
// Native builds throw EngineError (the addon catches it and rejects with its code). The WebAssembly build has no
// exception runtime (-fno-exceptions): there the code and message are recorded in a static buffer the JS side
// reads, and the module traps; the JS side discards the trapped instance and never calls into it again.
#pragma once
#include <string>

namespace mindlet {

// `code` is one of mindlet's MindletError codes ("INVALID_ARGUMENT", "UNSUPPORTED", ...).
[[noreturn]] void engine_fail(const char* code, const std::string& msg);
// An allocation failed: std::bad_alloc natively (the addon reports LIMIT_EXCEEDED for a run), a recorded
// LIMIT_EXCEEDED error in wasm (where operator new itself reports through here; see src/wasm/binding.cc).
[[noreturn]] void engine_out_of_memory();

#if defined(__wasm__)
// What engine_fail recorded last: a NUL-terminated code and message (truncated to fit). Fixed addresses, so the
// JS side can read them from linear memory after a trap without calling into the trapped instance.
struct FailRecord {
  char code[32];
  char message[4096];
};
FailRecord& fail_record();
#endif

}  // namespace mindlet

#define MINDLET_FAIL(code, msg) ::mindlet::engine_fail(code, msg)
