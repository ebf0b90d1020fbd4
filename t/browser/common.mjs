// Licensed under the Apache License, Version 2.0 (see LICENSE).
// Shared by the browser tests: TAP lines, and Debian's Chromium.
import { chromium } from 'playwright-core';

// ok(cond, what, diag) prints "ok N - what" or "not ok N - what" and the
// diagnostic; failed() tells how many failed.  Numbering starts at first.
export function tap(first = 1) {
  let n = first - 1;
  let failures = 0;
  return {
    ok(cond, what, diag) {
      n += 1;
      console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${what}`);
      if (!cond) {
        failures += 1;
        if (diag !== undefined) console.log(`#   ${String(diag).split('\n').join('\n#   ')}`);
      }
    },
    count: () => n,
    failed: () => failures,
  };
}

export function launch() {
  return chromium.launch({
    executablePath: process.env.TP_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox'],
    timeout: 60000,
  });
}
