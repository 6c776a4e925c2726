export { GcsEmulator, EmulatorSettings, EmulatorDeps, ADMIN_PREFIX } from "./server";
export { OperationsReport } from "./operations";
export { OPERATION_CLASS, JsonApiMethod, OperationClass } from "./pricing";
export { main, realEmulatorDeps, EmulatorMainDeps } from "./main";
