// The checks' harness, shared by check.mjs and check_tools.mjs: check runs
// one named check and prints "ok" or "FAIL" with the error; finish prints
// "N passed, M failed" and exits 1 if a check failed.
let passed = 0, failed = 0;

export async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log("ok  ", name);
  } catch (err) {
    failed++;
    console.log("FAIL", name + ":", err && err.stack ? err.stack : err);
  }
}

export function finish() {
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
