import { expect } from "chai";
import { formatGoDuration, goDuration, goDurationMs, parseGoDuration } from "../config/files/goDuration";

/** Go's own cases (src/time/time_test.go, `durationTests`), those within a safe JS integer. */
const GO_CASES: [string, number][] = [
  ["0s", 0],
  ["1ns", 1],
  ["1.1µs", 1100],
  ["2.2ms", 2_200_000],
  ["3.3s", 3_300_000_000],
  ["4m5s", (4 * 60 + 5) * 1e9],
  ["4m5.001s", (4 * 60 + 5) * 1e9 + 1e6],
  ["5h6m7.001s", (5 * 3600 + 6 * 60 + 7) * 1e9 + 1e6],
  ["8m0.000000001s", 8 * 60 * 1e9 + 1],
];

describe("Go durations, for the Docker provider and tempo.yaml", () => {
  for (const [text, nanos] of GO_CASES) {
    it(`formats ${nanos} ns as ${text}, and parses it back`, () => {
      expect(formatGoDuration(nanos)).to.equal(text);
      expect(parseGoDuration(text)).to.equal(nanos);
    });
  }

  it("writes whole minutes and hours with their zero units, as the provider reads them back", () => {
    expect(goDuration({ seconds: 60 })).to.equal("1m0s");
    expect(goDuration({ minutes: 1 })).to.equal("1m0s");
    expect(goDuration({ seconds: 90 })).to.equal("1m30s");
    expect(goDuration({ hours: 1 })).to.equal("1h0m0s");
    expect(goDuration({ seconds: 10 })).to.equal("10s");
    expect(goDuration({ milliseconds: 500 })).to.equal("500ms");
    expect(goDuration({ seconds: 1, milliseconds: 500 })).to.equal("1.5s");
  });

  it("parses what Go parses, including non-canonical forms, and refuses the rest", () => {
    expect(parseGoDuration("60s")).to.equal(60e9);
    expect(parseGoDuration("1.5h")).to.equal(5400e9);
    expect(parseGoDuration("1h30m")).to.equal(5400e9);
    expect(parseGoDuration("0")).to.equal(0);
    expect(parseGoDuration("1.1us")).to.equal(1100);
    for (const bad of ["", "60", "1x", "-1s", "1.5.3s", "s", ".s", "1s "]) {
      expect(parseGoDuration(bad), JSON.stringify(bad)).to.equal(undefined);
    }
  });

  it("reads tempo.yaml's durations in milliseconds, naming what it cannot read", () => {
    expect(goDurationMs("1m30s")).to.equal(90_000);
    expect(goDurationMs("250ms")).to.equal(250);
    expect(() => goDurationMs("soon", "live_store.max_trace_idle")).to.throw(
      'live_store.max_trace_idle: "soon" is not a Go duration',
    );
  });

  it("refuses negative and fractional nanoseconds", () => {
    expect(() => formatGoDuration(-1)).to.throw(RangeError);
    expect(() => formatGoDuration(0.5)).to.throw(RangeError);
  });
});
