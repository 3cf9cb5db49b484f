// The component modules `module = "<name>"` may name, one entry per line (each feature appends its own).
import type { ComponentModule } from "./component.ts";
import { HTTP_FILE_SHARE } from "./http-file-share/module.ts";
import { mucModule } from "./muc/module.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each module has its own options type
export type AnyComponentModule = ComponentModule<any>;

export const COMPONENT_MODULES: ReadonlyMap<string, AnyComponentModule> = new Map<string, AnyComponentModule>(
  [
    // [name, module] entries
    [HTTP_FILE_SHARE.name, HTTP_FILE_SHARE],
    ["muc", mucModule],
  ],
);
