import { runCommand } from "../verify/cli";
import { Clock, realClock } from "../verify/poll";
import { EMULATOR_USAGE, resolveEmulatorCommand } from "./options";
import { EmulatorSettings, GcsEmulator } from "./server";

export interface EmulatorMainDeps {
  readonly clock: Clock;
  readonly wallNow: () => number;
  readonly write: (line: string) => void;
  readonly writeError: (line: string) => void;
  /** Aborted to stop serving (Ctrl-C); main then closes the port and returns 0. */
  readonly stop: AbortSignal;
  /** Called once the port is open, with the emulator. */
  readonly onListening?: (emulator: GcsEmulator) => void;
}

/**
 * `npm run gcs-emulator -- ...`: serves until `deps.stop` is aborted, then prints the counts
 * and returns 0; 1 when the port cannot be opened, 2 when called wrongly.
 */
export function main(argv: readonly string[], deps: EmulatorMainDeps): Promise<number> {
  return runCommand(
    "gcs-emulator",
    EMULATOR_USAGE,
    () => Promise.resolve(resolveEmulatorCommand(argv)),
    (settings) => serve(settings, deps),
    deps,
  );
}

async function serve(settings: EmulatorSettings, deps: EmulatorMainDeps): Promise<number> {
  let emulator: GcsEmulator;
  try {
    emulator = await GcsEmulator.start(settings, deps);
  } catch (error) {
    deps.writeError(`gcs-emulator: cannot listen on 127.0.0.1:${settings.port}: ${(error as Error).message}`);
    return 1;
  }
  deps.write(`gcs-emulator: listening on ${emulator.url}, buckets ${settings.buckets.join(", ")}`);
  deps.write(`gcs-emulator: Tempo's storage.trace.gcs: endpoint: ${emulator.endpoint}, insecure: true`);
  if ((settings.denyForMs ?? 0) > 0) {
    deps.write(
      `gcs-emulator: answering 403 to every storage request for the first ${(settings.denyForMs ?? 0) / 1000} s`,
    );
  }
  deps.onListening?.(emulator);
  if (!deps.stop.aborted) {
    await new Promise<void>((resolve) => deps.stop.addEventListener("abort", () => resolve(), { once: true }));
  }
  await emulator.close();
  deps.write(`gcs-emulator: ${JSON.stringify(emulator.operations())}`);
  return 0;
}

export const realEmulatorDeps: Omit<EmulatorMainDeps, "stop"> = {
  clock: realClock,
  wallNow: () => Date.now(),
  write: (line) => console.log(line),
  writeError: (line) => console.error(line),
};
