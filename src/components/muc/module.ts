// The "muc" component module: XEP-0045 Multi-User Chat on a component domain, Prosody's
// `Component "conference.example.com" "muc"`.
import type { ComponentModule } from "../component.ts";
import { pickComponentOptions } from "../options.ts";
import { MUC_OPTIONS, type MucOptions } from "./options.ts";
import { createMucService } from "./service.ts";

export const mucModule: ComponentModule<MucOptions> = {
  name: "muc",
  parseOptions: (raw, invalid) => pickComponentOptions(MUC_OPTIONS, raw, invalid),
  create: (env, options) => createMucService(env, options),
};
