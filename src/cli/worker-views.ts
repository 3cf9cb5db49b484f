// What `serve --workers` answers for the whole process group: /metrics merged from every worker's
// text, and the admin overview with sums and a per-worker breakdown (see worker-gather.ts).
import { mergeOverviews } from "../admin/overview-merge.ts";
import { hostFigures, type Overview } from "../admin/overview.ts";
import { mergeExpositions, workerGauges, type MetricsPart } from "../http/metrics-merge.ts";
import type { XmppServer } from "../server.ts";
import type { WorkerGather } from "./worker-gather.ts";

export interface WorkerViews {
  metrics(local: string): Promise<string>;
  overview(local: Overview): Promise<Overview>;
  /** Starts answering the other workers with this worker's figures. */
  serve(server: XmppServer): void;
  close(): void;
}

export function workerViews(gather: WorkerGather): WorkerViews {
  return {
    async metrics(local) {
      const parts: MetricsPart[] = (await gather.gather("metrics", local)).map((p) => ({
        node: p.node,
        text: p.body,
      }));
      return mergeExpositions(parts) + workerGauges(parts);
    },
    async overview(local) {
      const parts = await gather.gather("overview", JSON.stringify(local.hosts));
      return mergeOverviews(local, parts);
    },
    serve(server) {
      gather.serve((kind) =>
        kind === "metrics" ? server.metricsText() : JSON.stringify(hostFigures(server)),
      );
    },
    close: () => gather.close(),
  };
}
