// Judgements over every answer of the run rather than one call: how boolean bodies are spelled,
// how bodies are framed, how long answers take. They run last and read the context's log.
import type { CheckContext } from "./context.ts";
import { describeShape, readBooleanBody, showBody } from "./boolean-body.ts";
import { formatMs, type Answer } from "./http-client.ts";
import { runProbe } from "./run-probe.ts";

function answers(ctx: CheckContext, booleanOnly = false): Answer[] {
  return ctx.log
    .filter((entry) => !booleanOnly || entry.boolean)
    .map((entry) => entry.outcome)
    .filter((o): o is Answer => o.kind === "answer");
}

export async function probeBooleanBody(ctx: CheckContext): Promise<void> {
  await runProbe(ctx, "boolean-body", 'exactly "true" or "false"', () => {
    const seen = answers(ctx, true).filter((a) => a.status === 200);
    if (seen.length === 0) {
      return Promise.resolve({
        status: "skip",
        got: "-",
        reason: "no 200 answer to check_password or user_exists",
      });
    }
    const bad = seen.filter((a) => readBooleanBody(a.body).shape !== "exact");
    const first = bad[0];
    if (first === undefined) {
      return Promise.resolve({
        status: "pass",
        got: `${seen.length} answers`,
        reason: "all spelled exactly",
      });
    }
    // Show a "true" that is not exactly true when there is one: that is the mistake that locks users out.
    const meansTrue = bad.find((a) => readBooleanBody(a.body).meaning === true);
    const shown = meansTrue ?? first;
    const reading = readBooleanBody(shown.body);
    const hint =
      meansTrue !== undefined
        ? `Prosody will refuse every login: your API answers ${showBody(meansTrue.display)} for a right password`
        : reading.meaning === false
          ? `Prosody reads ${showBody(first.display)} as false, right by luck; a true spelled the same way refuses every login`
          : "Prosody reads anything but exactly true as false: logins fail";
    return Promise.resolve({
      status: "fail",
      got: `${bad.length} of ${seen.length}: ${showBody(shown.display)}`,
      reason: describeShape(reading.shape, shown.display),
      hint,
    });
  });
}

export async function probeContentLength(ctx: CheckContext): Promise<void> {
  await runProbe(ctx, "content-length", "Content-Length on every answer", () => {
    // 204 and 304 carry no body, so no Content-Length is expected of them.
    const framed = answers(ctx).filter((a) => a.status !== 204 && a.status !== 304);
    if (framed.length === 0)
      return Promise.resolve({ status: "skip", got: "-", reason: "no answer with a body" });
    const chunked = framed.filter((a) => !a.contentLength && a.chunked);
    const closeDelimited = framed.filter((a) => !a.contentLength && !a.chunked);
    if (chunked.length === 0 && closeDelimited.length === 0) {
      return Promise.resolve({
        status: "pass",
        got: `${framed.length} answers`,
        reason: "all with Content-Length",
      });
    }
    const reason =
      closeDelimited.length > 0
        ? `${closeDelimited.length} of ${framed.length} answers end the body by closing the connection`
        : `${chunked.length} of ${framed.length} answers are chunked (Transfer-Encoding: chunked)`;
    return Promise.resolve({
      status: "warn",
      got: `${chunked.length + closeDelimited.length} without Content-Length`,
      reason,
      hint: "Prosody 0.12 copes (observed); the contract asks for Content-Length so any client reads a complete answer without extra framing",
    });
  });
}

export async function probeResponseTime(ctx: CheckContext): Promise<void> {
  const limit = ctx.options.slowMs;
  await runProbe(ctx, "response-time", `every answer under ${formatMs(limit)}`, () => {
    const all = answers(ctx);
    const slowest = all.reduce<Answer | undefined>(
      (max, a) => (max === undefined || a.ms > max.ms ? a : max),
      undefined,
    );
    if (slowest === undefined) return Promise.resolve({ status: "skip", got: "-", reason: "no answer" });
    const got = `slowest ${formatMs(slowest.ms)} (${slowest.method})`;
    const slow = all.filter((a) => a.ms > limit).length;
    if (slow === 0) return Promise.resolve({ status: "pass", got, reason: `${all.length} answers timed` });
    return Promise.resolve({
      status: "warn",
      got,
      reason: `${slow} of ${all.length} answers took longer than ${formatMs(limit)}`,
      hint: "every login waits on check_password: users feel each second",
    });
  });
}
